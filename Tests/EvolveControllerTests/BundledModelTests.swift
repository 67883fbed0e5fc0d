import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

/// Runs against the real bundled model; needs `scripts/install-model.sh` first and takes minutes,
/// so it is a separate command: `EVOLVE_REAL_MODEL=1 swift test --filter BundledModelTests`.
@Suite("Bundled model (real)", .enabled(if: ProcessInfo.processInfo.environment["EVOLVE_REAL_MODEL"] == "1"))
struct BundledModelTests {
    @Test("real answers of the bundled model are parsed, applied and evaluated end to end")
    func realAnswers() async throws {
        let model = BundledModel()
        try #require(model.isInstalled, "install the bundled model first: bash scripts/install-model.sh")
        let directory = try TemporaryDirectory(prefix: "evolve-real-model")
        defer { directory.remove() }
        try directory.copyContents(of: PackagePaths.knapsackExample)
        var problem = try Problem.load(from: directory.url)
        problem.configuration.llm.provider = .bundled
        problem.configuration.llm.contextLength = 4096
        problem.configuration.llm.maxTokens = 768
        problem.configuration.search.iterations = 3
        problem.configuration.search.topPrograms = 1
        problem.configuration.search.inspirations = 0
        problem.configuration.llm.concurrency = 1

        let server = try await model.start(contextLength: 4096, logger: testLogger)
        defer { server.stop() }
        let client = OpenAIClient(configuration: .init(endpoint: server.baseURL, model: BundledModel.name, apiKey: nil, timeout: 600), logger: testLogger)
        let store = try await SQLiteProgramStore(path: directory.url.appendingPathComponent("run.sqlite").path)
        // Evaluated where `evolve run` evaluates by default: gVisor, when runsc can run here.
        let gVisorUsable = TestEnvironment.hasGVisor
        let sandbox: any Sandbox = gVisorUsable ? GVisorSandbox(configuration: .init(), logger: testLogger) : ProcessSandbox(configuration: .init(), logger: testLogger)
        if !gVisorUsable { print("note: runsc is not usable here: the real-model test evaluates with the process sandbox") }
        let controller = Controller(
            problem: problem, llm: client, sandbox: sandbox, store: store, settings: RunSettings(problem.configuration),
            logger: testLogger)
        let drainStream = controller.events.subscribe()
        let drain = Task { for await _ in drainStream {} }
        let started = Date()
        let summary = try await controller.run(runDirectory: directory.url.path)
        await drain.value
        await sandbox.shutdown()
        let children = try await store.allPrograms().filter { $0.origin == .mutation }
        var attempts: [AttemptRecord] = []
        for iteration in 1...10 { attempts += try await store.attempts(iteration: iteration) }
        print("bundled model (\(sandbox.name) sandbox): \(summary.iterations) iterations in \(Int(Date().timeIntervalSince(started))) s, \(attempts.count) model calls, children: \(children.map { "\($0.result.status.rawValue) \($0.score.map { String($0) } ?? "")" }), best \(summary.best?.score ?? 0)")
        #expect(summary.iterations == 3)
        #expect(attempts.allSatisfy { $0.outcome != .modelError }, "every model call answered")
        #expect(attempts.contains { !$0.answer.isEmpty }, "real answers were recorded")
        #expect(!children.isEmpty, "at least one real answer became a child program")
        #expect(children.allSatisfy { $0.result.status != .sandboxError }, "children were evaluated")
        #expect(children.allSatisfy { $0.code.contains("def total_weight") }, "the code outside the markers is kept")
    }
}
