import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import EvolveTesting
import Foundation
import Synchronization
import Testing

/// Counts how many calls are in flight at once, and the most seen.
final class InFlight: Sendable {
    private let state = Mutex((now: 0, most: 0, total: 0))
    func enter() { state.withLock { $0.now += 1; $0.total += 1; $0.most = max($0.most, $0.now) } }
    func leave() { state.withLock { $0.now -= 1 } }
    var now: Int { state.withLock { $0.now } }
    var most: Int { state.withLock { $0.most } }
    var total: Int { state.withLock { $0.total } }
}

/// A real model client that counts its calls in flight and notes whether evaluations ran meanwhile.
struct CountingClient: LLMClient {
    var inner: OllamaClient
    var calls: InFlight
    var evaluations: InFlight
    var overlap: Flag
    var model: String { inner.model }
    var endpoint: String { inner.endpoint }
    func checkAvailability() async throws { try await inner.checkAvailability() }
    func chat(_ messages: [ChatMessage], options: GenerationOptions) async throws -> ChatResponse {
        calls.enter()
        defer { calls.leave() }
        if evaluations.now > 0 { overlap.set() }
        return try await inner.chat(messages, options: options)
    }
}

/// The real process sandbox, counting evaluations in flight.
struct CountingSandbox: Sandbox {
    var inner: ProcessSandbox
    var evaluations: InFlight
    var name: String { inner.name }
    var isolates: Bool { inner.isolates }
    func checkAvailability() async throws { try await inner.checkAvailability() }
    func run(_ job: SandboxJob) async throws -> SandboxOutcome {
        evaluations.enter()
        defer { evaluations.leave() }
        return try await inner.run(job)
    }
}

/// A flag set from any task.
final class Flag: Sendable {
    private let flag = Mutex(false)
    func set() { flag.withLock { $0 = true } }
    var value: Bool { flag.withLock { $0 } }
}

/// The knapsack example with a slower evaluator (it sleeps before scoring).
func slowKnapsack(sleep seconds: Double, iterations: Int, modelConcurrency: Int, evaluationConcurrency: Int) throws -> (TemporaryDirectory, Problem, String) {
    let directory = try TemporaryDirectory(prefix: "evolve-controller")
    try directory.copyContents(of: PackagePaths.knapsackExample)
    let script = "slow_evaluate_\(UUID().uuidString.prefix(8)).py"
    try directory.write([script: "import sys, time, runpy\ntime.sleep(\(seconds))\nsys.argv = ['evaluate.py', sys.argv[1]]\nrunpy.run_path('evaluate.py', run_name='__main__')\n"])
    var problem = try Problem.load(from: directory.url)
    problem.configuration.evaluator.command = .shell("python3 \(script) {program}")
    problem.configuration.search.iterations = iterations
    problem.configuration.llm.concurrency = modelConcurrency
    problem.configuration.sandbox.concurrency = evaluationConcurrency
    return (directory, problem, script)
}

@Suite("Controller", .serialized)
struct ControllerTests {
    @Test("model requests and evaluations run under separate limits, and overlap")
    func separateLimits() async throws {
        let (directory, problem, _) = try slowKnapsack(sleep: 0.4, iterations: 10, modelConcurrency: 2, evaluationConcurrency: 1)
        defer { directory.remove() }
        let server = try await LoopbackLLMServer.start { .delayed(seconds: 0.15, .answer(KnapsackAnswers.variant($0.index))) }
        let calls = InFlight(), evaluations = InFlight(), overlap = Flag()
        let client = CountingClient(
            inner: OllamaClient(configuration: .init(endpoint: server.url, model: LLMConfiguration.defaultModel), logger: testLogger), calls: calls,
            evaluations: evaluations, overlap: overlap)
        let sandbox = CountingSandbox(inner: ProcessSandbox(configuration: .init(), logger: testLogger), evaluations: evaluations)
        let store = try await SQLiteProgramStore(path: directory.url.appendingPathComponent("run.sqlite").path)
        let controller = Controller(problem: problem, llm: client, sandbox: sandbox, store: store, settings: RunSettings(problem.configuration), logger: testLogger)

        let summary = try await controller.run(runDirectory: directory.url.path)
        await server.shutdown()
        #expect(summary.reason == .budgetSpent)
        #expect(summary.iterations == 10)
        #expect(calls.most == 2, "model requests in flight never exceed, and reach, llm.concurrency")
        #expect(evaluations.most == 1, "evaluations in flight never exceed sandbox.concurrency")
        #expect(overlap.value, "model requests went on while an evaluation ran")
        #expect(try await store.finishedIterations().count == 10)
        #expect(try await store.allPrograms().filter { $0.origin == .mutation }.count == 10)
    }

    @Test("reaching the target stops the run, and every finished evaluation is stored")
    func targetStopsTheRun() async throws {
        let (directory, problem, _) = try slowKnapsack(sleep: 0, iterations: 30, modelConcurrency: 2, evaluationConcurrency: 2)
        defer { directory.remove() }
        let server = try await LoopbackLLMServer.start { $0.index == 3 ? .answer(KnapsackAnswers.dynamicProgramming) : .answer(KnapsackAnswers.variant($0.index)) }
        let store = try await SQLiteProgramStore(path: directory.url.appendingPathComponent("run.sqlite").path)
        let controller = Controller(
            problem: problem, llm: OllamaClient(configuration: .init(endpoint: server.url, model: LLMConfiguration.defaultModel), logger: testLogger), sandbox: ProcessSandbox(configuration: .init(), logger: testLogger),
            store: store, settings: RunSettings(problem.configuration), logger: testLogger)
        let eventsStream = controller.events.subscribe()
        let events = Task { await eventsStream.reduce(into: [EvolutionEvent]()) { $0.append($1) } }
        let summary = try await controller.run(runDirectory: directory.url.path)
        await server.shutdown()
        #expect(summary.reason == .targetReached)
        #expect(summary.best?.score == 275)
        #expect(summary.iterations < 30)
        let log = await events.value
        guard case .runStarted? = log.first, case .runFinished(let finished)? = log.last else {
            Issue.record("events must open with run_started and close with run_finished")
            return
        }
        #expect(finished.reason == .targetReached)
        #expect(finished.bestScore == 275)
        let added = log.compactMap { if case .programAdded(let a) = $0 { return a } else { return nil } }
        #expect(added.count == (try await store.allPrograms().filter { $0.origin != .migration }.count))
        // The work in flight, as a dashboard shows it: within the limits, evaluations seen, none left at the end.
        let inFlight = log.compactMap { if case .workInFlight(let w) = $0 { return w } else { return nil } }
        #expect(inFlight.allSatisfy { $0.modelCalls <= 2 && $0.evaluations <= 2 })
        #expect(inFlight.contains { $0.evaluations > 0 } && inFlight.contains { $0.modelCalls > 0 })
        #expect(inFlight.last.map { $0.modelCalls == 0 && $0.evaluations == 0 } == true)
    }

    @Test("cancelling the run kills running evaluations at once and stores nothing half-done")
    func cancellation() async throws {
        let (directory, problem, script) = try slowKnapsack(sleep: 60, iterations: 5, modelConcurrency: 1, evaluationConcurrency: 2)
        defer { directory.remove() }
        // The starting program must be evaluated quickly; children sleep for a minute.
        var seeded = problem
        seeded.configuration.evaluator.command = .shell("if grep -q variant {program}; then python3 \(script) {program}; else python3 evaluate.py {program}; fi")
        let server = try await LoopbackLLMServer.start { .answer(KnapsackAnswers.variant($0.index)) }
        let evaluations = InFlight()
        let store = try await SQLiteProgramStore(path: directory.url.appendingPathComponent("run.sqlite").path)
        let controller = Controller(
            problem: seeded, llm: OllamaClient(configuration: .init(endpoint: server.url, model: LLMConfiguration.defaultModel), logger: testLogger),
            sandbox: CountingSandbox(inner: ProcessSandbox(configuration: .init(), logger: testLogger), evaluations: evaluations), store: store,
            settings: RunSettings(seeded.configuration), logger: testLogger)
        let run = Task { try await controller.run(runDirectory: directory.url.path) }
        let deadline = Date().addingTimeInterval(30)
        while evaluations.total < 3, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(evaluations.now == 2, "two slow children are being evaluated")
        let cancelled = Date()
        run.cancel()
        let summary = try await run.value
        await server.shutdown()
        #expect(Date().timeIntervalSince(cancelled) < 5)
        #expect(summary.reason == .interrupted)
        #expect(evaluations.now == 0)
        let programs = try await store.allPrograms()
        #expect(programs.filter { $0.origin == .mutation }.isEmpty, "no child finished its evaluation, so none is stored")
        #expect(programs.filter { $0.origin == .initial }.count == 1)
        #expect(!ProcessTable.contains(script), "no evaluator process outlives the cancelled run")
    }
}
