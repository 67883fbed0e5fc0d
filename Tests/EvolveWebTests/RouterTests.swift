import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import EvolveWeb

/// The page's JSON routes, asked through Hummingbird's router test client (no socket), over a real
/// run database: what each route answers, and the errors a wrong address gets.
@Suite("the page's JSON routes, at the router")
struct RouterTests {
    /// A run of three programs: the start (score 10), a better child (25) and a failed one.
    static func withRun(token: String? = nil, _ body: (WebServer) async throws -> Void) async throws {
        let folder = try TemporaryDirectory(prefix: "evolve-router")
        defer { folder.remove() }
        let store = try SQLiteProgramStore(path: folder.url.appendingPathComponent("evolve.sqlite").path)
        let start = program("p-start", parent: nil, iteration: 0, result: EvaluationResult(status: .success, score: 10))
        let better = program("p-better", parent: "p-start", iteration: 1, result: EvaluationResult(status: .success, score: 25))
        let failed = program("p-failed", parent: "p-start", iteration: 2, result: .failure(.crashed, "killed by SIGSEGV"))
        for item in [start, better, failed] { try await store.commit(program: item, attempts: []) }
        let catalog = RunCatalog(.live(name: "demo", store: store))
        try await body(WebServer(configuration: WebConfiguration(token: token), catalog: catalog, logger: testLogger))
    }

    static func program(_ id: String, parent: String?, iteration: Int, result: EvaluationResult) -> Program {
        Program(
            id: ProgramID(id), parentID: parent.map { ProgramID($0) }, origin: parent == nil ? .initial : .mutation, iteration: iteration,
            island: 0, generation: parent == nil ? 0 : 1, code: "x = \(iteration)\n", result: result, features: [:],
            createdAt: Date(timeIntervalSince1970: 1_765_000_000 + Double(iteration)))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
        try JSONDecoder().decode(type, from: Data(response.body.readableBytesView))
    }

    @Test("/api/runs lists the run; its overview has the best score and the counts; programs list all three")
    func overviewAndPrograms() async throws {
        try await Self.withRun { server in
            try await server.application(onListening: { _ in }).test(.router) { client in
                try await client.execute(uri: "/api/runs", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body).contains(#""name":"demo""#))
                }
                try await client.execute(uri: "/api/runs/demo/overview", method: .get) { response in
                    let overview = try Self.decode(RunReport.Overview.self, response)
                    #expect(overview.bestScore == 25 && overview.bestProgram == "p-better")
                    #expect(overview.programs == 3 && overview.live)
                    #expect(overview.failures["crashed"] == 1, "\(overview.failures)")
                }
                try await client.execute(uri: "/api/runs/demo/programs", method: .get) { response in
                    let list = try Self.decode(RunReport.ProgramList.self, response)
                    #expect(Set(list.programs.map(\.id)) == ["p-start", "p-better", "p-failed"])
                    #expect(list.programs.first { $0.id == "p-failed" }?.status == "crashed")
                }
            }
        }
    }

    @Test("a program's page carries its parent, its children and its failure; unknown runs and programs are 404s")
    func programAndErrors() async throws {
        try await Self.withRun { server in
            try await server.application(onListening: { _ in }).test(.router) { client in
                try await client.execute(uri: "/api/runs/demo/programs/p-start", method: .get) { response in
                    #expect(response.status == .ok)
                    let text = String(buffer: response.body)
                    #expect(text.contains("p-better") && text.contains("p-failed"), "children missing: \(text.prefix(400))")
                }
                try await client.execute(uri: "/api/runs/demo/programs/p-failed", method: .get) { response in
                    #expect(String(buffer: response.body).contains("killed by SIGSEGV"))
                }
                try await client.execute(uri: "/api/runs/demo/programs/nope", method: .get) { response in
                    #expect(response.status == .notFound)
                }
                try await client.execute(uri: "/api/runs/other/overview", method: .get) { response in
                    #expect(response.status == .notFound)
                }
                try await client.execute(uri: "/metrics", method: .get) { response in
                    #expect(response.status == .notFound, "metrics are off without a registry")
                }
            }
        }
    }

    @Test("with a token, every route refuses a request without it and answers one with it")
    func token() async throws {
        try await Self.withRun(token: "s3cret") { server in
            try await server.application(onListening: { _ in }).test(.router) { client in
                try await client.execute(uri: "/api/runs/demo/overview", method: .get) { response in
                    #expect(response.status == .unauthorized, "\(response.status)")
                }
                try await client.execute(uri: "/api/runs/demo/overview?token=s3cret", method: .get) { response in
                    #expect(response.status == .ok)
                }
            }
        }
    }
}
