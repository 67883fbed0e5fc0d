import EvolveCore
import EvolveDatabase
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Prometheus

extension WebServer {
    func router() -> Router<BasicRequestContext> {
        let router = Router()
        if let token = configuration.token { router.add(middleware: TokenMiddleware(token: token)) }
        router.get("/") { _, _ in PageAssets.response(PageAssets.html, type: "text/html; charset=utf-8") }
        router.get("/app.js") { _, _ in PageAssets.response(PageAssets.script, type: "text/javascript; charset=utf-8") }
        router.get("/app.css") { _, _ in PageAssets.response(PageAssets.style, type: "text/css; charset=utf-8") }
        let catalog = self.catalog
        router.get("/api/runs") { _, _ in
            var runs: [RunListing] = []
            for name in await catalog.names() {
                runs.append(RunListing(name: name, live: (try? await catalog.entry(name))??.isLive ?? false))
            }
            return try Self.json(runs)
        }
        router.get("/api/runs/:run/overview") { _, context in
            let entry = try await self.entry(context)
            return try Self.json(try await RunReport.overview(name: entry.name, store: entry.store, live: entry.isLive))
        }
        router.get("/api/runs/:run/programs") { _, context in
            try Self.json(try await RunReport.programs(try await self.entry(context).store))
        }
        router.get("/api/runs/:run/programs/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let detail = try await RunReport.program(id, store: try await self.entry(context).store) else {
                throw HTTPError(.notFound, message: "no program \(id) in this run")
            }
            return try Self.json(detail)
        }
        router.get("/api/runs/:run/archive") { _, context in try Self.json(try await RunReport.archive(try await self.entry(context).store)) }
        router.get("/api/runs/:run/throughput") { _, context in
            try Self.json(try await RunReport.throughput(try await self.entry(context).store))
        }
        router.get("/api/runs/:run/models") { _, context in try Self.json(try await RunReport.models(try await self.entry(context).store)) }
        router.get("/api/runs/:run/stream") { request, context in
            let after = request.uri.queryParameters.get("after", as: Int64.self) ?? 0
            return self.stream(try await self.entry(context).store, after: ProgramCursor(sequence: after))
        }
        router.get("/api/compare") { request, _ in
            let asked = request.uri.queryParameters.get("runs").map { $0.split(separator: ",").map(String.init) }
            var curves: [RunReport.Curve] = []
            let all = await catalog.names()
            for name in asked ?? all {
                guard let entry = try await catalog.entry(name) else { continue }
                curves.append(try await RunReport.curve(name: name, store: entry.store))
            }
            return try Self.json(curves)
        }
        router.get("/metrics") { _, _ in
            guard let registry = self.registry else { throw HTTPError(.notFound, message: "metrics are off") }
            return PageAssets.response(registry.emitToString(), type: "text/plain; version=0.0.4; charset=utf-8")
        }
        return router
    }

    struct RunListing: Codable, Sendable {
        var name: String
        var live: Bool
    }

    func entry(_ context: BasicRequestContext) async throws -> RunCatalog.Entry {
        let name = context.parameters.get("run") ?? ""
        guard let entry = try await catalog.entry(name) else { throw HTTPError(.notFound, message: "no run \(name) here") }
        return entry
    }

    static func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let data = try encoder.encode(value)
        return PageAssets.response(String(decoding: data, as: UTF8.self), type: "application/json")
    }
}
