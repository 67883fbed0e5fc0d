import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import EvolveTesting
import Foundation
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
    let ensemble = EnsembleClient(members: [.init(client: OllamaClient(configuration: .init(endpoint: server.url, model: LLMConfiguration.defaultModel), logger: testLogger), inputPrice: 10, outputPrice: 10)])
    let store = try await SQLiteProgramStore(path: directory.url.appendingPathComponent("run.sqlite").path)
    let controller = Controller(
        problem: problem, llm: ensemble, sandbox: ProcessSandbox(configuration: .init(), logger: testLogger), store: store, settings: RunSettings(problem.configuration),
        logger: testLogger)
    let subscription = controller.events.subscribe()
    let drain = Task {
        var lastCost = 0.0
        for await event in subscription {
            if case .programAdded(let added) = event { lastCost = added.runCost }
        }
        return lastCost
    }
    let summary = try await controller.run(runDirectory: directory.url.path)
    let reportedCost = await drain.value
    #expect(summary.reason == .costBudgetSpent)
    #expect(summary.iterations < 30)
    #expect(summary.iterations > 0)
    // The run's total is kept in the store (run_info `model_cost`), answers of iterations cut off by
    // the stop included; stored answers carry their own cost; progress events carry the running total.
    let spent = try await store.runInfo().modelCost
    #expect(spent >= 0.01)
    let total = try await store.totalCost()
    #expect(total > 0 && total <= spent)
    #expect(reportedCost > 0 && reportedCost <= spent)
    let usage = try await store.modelUsage()
    #expect(usage.map(\.model) == [LLMConfiguration.defaultModel])
    let stored = try await store.totalCost()
    #expect(abs((usage.first?.cost ?? 0) - stored) < 1e-9)
    #expect((usage.first?.answers ?? 0) >= summary.iterations)

    // Resumed with the same budget, the run has nothing left to spend: it stops before asking the model.
    let requestsBefore = server.requests.count
    let resumed = Controller(
        problem: problem, llm: ensemble, sandbox: ProcessSandbox(configuration: .init(), logger: testLogger), store: store, settings: RunSettings(problem.configuration),
        logger: testLogger)
    let drainResumedStream = resumed.events.subscribe()
    let drainResumed = Task { for await _ in drainResumedStream {} }
    let again = try await resumed.run(runDirectory: directory.url.path)
    await drainResumed.value
    await server.shutdown()
    #expect(again.reason == .costBudgetSpent)
    #expect(server.requests.count == requestsBefore)
}
