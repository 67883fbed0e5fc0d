import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

/// The journal of answers, in runs: what a stopped run had been answered is evaluated by the
/// next one without a model call.
@Suite("journaled answers", .serialized)
struct JournalRunTests {
    func client(_ server: LoopbackLLMServer) -> OllamaClient {
        OllamaClient(configuration: .init(endpoint: server.url, model: LLMConfiguration.defaultModel), logger: testLogger)
    }

    @Test("children journaled when a run is cancelled are evaluated by the resumed run, and their answers are not asked for again")
    func cancelledThenResumed() async throws {
        let iterations = 6
        let (directory, problem, script) = try slowKnapsack(sleep: 60, iterations: iterations, modelConcurrency: 1, evaluationConcurrency: 2)
        defer { directory.remove() }
        var slow = problem
        slow.configuration.evaluator.command = .shell("if grep -q variant {program}; then python3 \(script) {program}; else python3 evaluate.py {program}; fi")
        let server = try await LoopbackLLMServer.start { .answer(KnapsackAnswers.variant($0.index)) }
        let store = try SQLiteProgramStore(path: directory.url.appendingPathComponent("run.sqlite").path)
        let evaluations = InFlight()
        let first = Controller(
            problem: slow, llm: client(server), sandbox: CountingSandbox(inner: ProcessSandbox(configuration: .init(), logger: testLogger), evaluations: evaluations),
            store: store, settings: RunSettings(slow.configuration), logger: testLogger)
        let run = Task { try await first.run(runDirectory: directory.url.path) }
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if evaluations.total >= 3, try await store.journaledChildren().count >= 3 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        run.cancel()
        #expect(try await run.value.reason == .interrupted)
        let journaled = try await store.journaledChildren()
        let asked = server.requests.count
        #expect(journaled.count >= 3, "two children in evaluation and one waiting are journaled")
        #expect(try await store.finishedIterations().isEmpty)

        var fast = problem
        fast.configuration.evaluator.command = .shell("python3 evaluate.py {program}")
        let second = Controller(
            problem: fast, llm: client(server), sandbox: ProcessSandbox(configuration: .init(), logger: testLogger), store: store,
            settings: RunSettings(fast.configuration), logger: testLogger)
        let events = second.events.subscribe()
        let log = Task { await events.reduce(into: [EvolutionEvent]()) { $0.append($1) } }
        let summary = try await second.run(runDirectory: directory.url.path)
        await server.shutdown()
        #expect(summary.reason == .budgetSpent)
        #expect(server.requests.count - asked == iterations - journaled.count, "only the iterations without an answer are asked for")
        #expect(try await store.journaledChildren().isEmpty)
        #expect(try await store.finishedIterations() == Set(1...iterations))
        let children = try await store.allPrograms().filter { $0.origin == .mutation }
        #expect(children.count == iterations)
        #expect(children.allSatisfy { $0.result.score == 249 })
        for child in journaled {
            #expect(children.first { $0.iteration == child.iteration }?.code == child.code)
        }
        guard case .runStarted(let started)? = await log.value.first else {
            Issue.record("the resumed run opens with run_started")
            return
        }
        #expect(started.journaledChildren == journaled.count)
    }

    @Test("a journaled child whose parent is not in the store is committed without a program, its answers kept")
    func orphanIsFiledWithItsAnswers() async throws {
        let (directory, problem, _) = try slowKnapsack(sleep: 0, iterations: 2, modelConcurrency: 1, evaluationConcurrency: 1)
        defer { directory.remove() }
        let server = try await LoopbackLLMServer.start { .answer(KnapsackAnswers.variant($0.index)) }
        let store = try SQLiteProgramStore(path: directory.url.appendingPathComponent("run.sqlite").path)
        let record = GenerationRecord(model: "m", prompt: "p", answer: KnapsackAnswers.variant(99), diff: "d", attempts: 1, modelSeconds: 1)
        try await store.journal(JournaledChild(
            iteration: 1, parentID: ProgramID("gone"), island: 0, code: problem.initialProgram + "\n# variant 99\n", record: record,
            attempts: [AttemptRecord(iteration: 1, attempt: 1, parentID: ProgramID("gone"), model: "m", prompt: "p", answer: record.answer, outcome: .accepted)],
            cost: 0))
        let controller = Controller(
            problem: problem, llm: client(server), sandbox: ProcessSandbox(configuration: .init(), logger: testLogger), store: store,
            settings: RunSettings(problem.configuration), logger: testLogger)
        let summary = try await controller.run(runDirectory: directory.url.path)
        await server.shutdown()
        #expect(summary.reason == .budgetSpent)
        #expect(server.requests.count == 1, "iteration 1 is not asked for again; iteration 2 is")
        let attempts = try await store.attempts(iteration: 1)
        #expect(attempts.map(\.answer) == [record.answer])
        #expect(attempts.first?.outcome == .rejected && attempts.first?.kind == "harness_error")
        #expect(try await store.allPrograms().filter { $0.origin == .mutation }.map(\.iteration) == [2])
        #expect(try await store.journaledChildren().isEmpty)
    }
}
