import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// Reads a response body line by line, failing with `stalled()` when no byte arrives for
/// `stallTimeout` seconds (a server that keeps the connection open but stops answering).
func readLines(
    of body: HTTPClientResponse.Body, stallTimeout: Double, stalled: @escaping @Sendable () -> any Error,
    _ handle: @escaping @Sendable (Data.SubSequence) throws -> Bool
) async throws {
    let lastByte = LastByte()
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            var pending = Data()
            for try await buffer in body {
                lastByte.touch()
                pending.append(contentsOf: buffer.readableBytesView)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = pending[pending.startIndex..<newline]
                    let more = try handle(line)
                    pending.removeSubrange(pending.startIndex...newline)
                    if !more { return }
                }
            }
            if !pending.isEmpty { _ = try handle(pending[...]) }
        }
        group.addTask {
            while true {
                try await Task.sleep(for: .milliseconds(Int64(min(stallTimeout, 1) * 250)))
                let silent = lastByte.silence
                if silent > .milliseconds(Int64(stallTimeout * 1000)) { throw stalled() }
            }
        }
        defer { group.cancelAll() }
        try await group.next()
    }
}

/// When the last byte arrived.
private final class LastByte: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    func touch() { instant.withLock { $0 = .now } }
    var silence: Duration { instant.withLock { $0 }.duration(to: .now) }
}
