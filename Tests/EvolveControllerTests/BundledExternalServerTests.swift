import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

@Suite("The bundled model served by a server the user started")
struct BundledExternalServerTests {
    @Test("with EVOLVE_BUNDLED_URL a bundled-model run asks that server and needs no installed model")
    func externalServer() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-bundled-url")
        defer { directory.remove() }
        let emptyCache = try TemporaryDirectory(prefix: "evolve-empty-cache")
        defer { emptyCache.remove() }
        let server = try await LoopbackLLMServer.start(models: [BundledModel.name]) { _ in .answer(KnapsackAnswers.dynamicProgramming) }
        try directory.copyContents(of: PackagePaths.knapsackExample)
        var problem = try Problem.load(from: directory.url)
        problem.configuration.search.iterations = 1
        problem.configuration.llm.provider = .bundled
        var environment = ProcessInfo.processInfo.environment
        environment["EVOLVE_CACHE"] = emptyCache.url.path
        environment["EVOLVE_BUNDLED_URL"] = server.url + "/v1"
        var overrides = RunOverrides(sandbox: .process)
        overrides.runDirectory = directory.url.appendingPathComponent("run").path
        let builder = RunBuilder(problem: problem, overrides: overrides, environment: environment, logger: testLogger)
        let summary = try await builder.withRun { run in try await run.execute(signals: [], logger: testLogger) }

        #expect(summary.best?.score == 275)
        let requests = server.requests
        #expect(!requests.isEmpty)
        #expect(requests.allSatisfy { $0.model == BundledModel.name && $0.format == .openai })
    }
}
