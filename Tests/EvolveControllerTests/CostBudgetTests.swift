import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import EvolveTesting
import Foundation
import Logging
import Testing

@Test("a cost budget stops the run once the priced answers have spent it")
func costBudgetStopsTheRun() async throws {
    let directory = try TemporaryDirectory(prefix: "evolve-cost")
    defer { directory.remove() }
    try directory.copyContents(of: PackagePaths.knapsackExample)
    var problem = try Problem.load(from: directory.url)
    problem.configuration.search.iterations = 30
    problem.configuration.goal.target = nil
    problem.configuration.llm.costBudget = 0.01  // each scripted answer costs about $0.0012
    problem.configuration.llm.concurrency = 1
    let server = try await LoopbackLLMServer.start { .answer(KnapsackAnswers.variant($0.index)) }
    let ensemble = EnsembleClient(members: [.init(client: OllamaClient(endpoint: server.url, model: LLMConfiguration.defaultModel), inputPrice: 10, outputPrice: 10)])
    let store = try SQLiteProgramStore(path: directory.url.appendingPathComponent("run.sqlite").path)
    let controller = Controller(
        problem: problem, llm: ensemble, sandbox: ProcessSandbox(), store: store, settings: RunSettings(problem.configuration),
        logger: Logger(label: "evolve.test"))
    let drain = Task { for await _ in controller.events {} }
    let summary = try await controller.run(runDirectory: directory.url.path)
    await drain.value
    await server.shutdown()
    #expect(summary.reason == .costBudgetSpent)
    #expect(summary.iterations < 30)
    #expect(summary.iterations > 0)
}
