import EvolveCore
import EvolveDatabase
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension WebServer {
    /// Server-sent events: `programs` with the summaries committed after `after` (and the next
    /// cursor), as they appear; a comment line now and then keeps the connection open.
    func stream(_ store: any ProgramStore, after: ProgramCursor) -> Response {
        var headers = PageAssets.securityHeaders
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        let lifetime = self.lifetime
        let interval = configuration.pollInterval
        let body = ResponseBody { writer in
            var cursor = after
            let start = try await RunReport.start(of: store)
            var quiet = 0
            try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
            while !lifetime.isStopped, !Task.isCancelled {
                let (programs, next) = try await store.programs(after: cursor)
                if !programs.isEmpty {
                    cursor = next
                    let batch = RunReport.ProgramList(programs: programs.map { RunReport.summary($0, start: start) }, cursor: next.sequence)
                    let data = String(decoding: try JSONEncoder().encode(batch), as: UTF8.self)
                    try await writer.write(ByteBuffer(string: "event: programs\ndata: \(data)\n\n"))
                    quiet = 0
                } else if quiet >= 20 {
                    try await writer.write(ByteBuffer(string: ": waiting\n\n"))
                    quiet = 0
                }
                quiet += 1
                try? await Task.sleep(for: interval)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
