import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

/// A sandbox that evaluates the starting program and then fails in a way no backend expects.
struct ThrowingSandbox: Sandbox {
    struct Broken: Error, CustomStringConvertible {
        var description: String { "the disk under /var/lib/evolve vanished" }
    }

    var inner = ProcessSandbox(configuration: .init(), logger: testLogger)
    var name: String { "throwing" }
    var isolates: Bool { false }
    func checkAvailability() async throws {}
    func run(_ job: SandboxJob) async throws -> SandboxOutcome {
        if job.program.contains("# variant") { throw Broken() }
        return try await inner.run(job)
    }
}

@Suite("Harness errors", .serialized)
struct HarnessErrorTests {
    @Test("a sandbox that throws an unexpected error stops the run with that error, recorded, and frees its slot")
    func throwingSandbox() async throws {
        let (directory, problem, _) = try slowKnapsack(sleep: 0, iterations: 10, modelConcurrency: 1, evaluationConcurrency: 1)
        defer { directory.remove() }
        let server = try await LoopbackLLMServer.start { .answer(KnapsackAnswers.variant($0.index)) }
        let store = try await SQLiteProgramStore(path: directory.url.appendingPathComponent("run.sqlite").path)
        let controller = Controller(
            problem: problem, llm: OllamaClient(configuration: .init(endpoint: server.url, model: LLMConfiguration.defaultModel), logger: testLogger), sandbox: ThrowingSandbox(),
            store: store, settings: RunSettings(problem.configuration), logger: testLogger)
        let subscription = controller.events.subscribe()
        let finished = Task { await subscription.reduce(into: [EvolutionEvent.RunFinished]()) { if case .runFinished(let f) = $1 { $0.append(f) } } }
        let error = await #expect(throws: RunError.self) { try await controller.run(runDirectory: directory.url.path) }
        #expect(error?.message.contains("the disk under /var/lib/evolve vanished") == true)
        await server.shutdown()
        let end = try #require(await finished.value.first)
        #expect(end.reason == .failed, "the run ends with the failure, not as if its budget were spent")
        #expect(end.message?.contains("vanished") == true)
        let child = try #require(try await store.allPrograms().first { $0.origin == .mutation })
        #expect(child.result.status == .sandboxError)
        #expect(child.result.failureReason?.contains("harness error: the disk under /var/lib/evolve vanished") == true)
        #expect(try await store.finishedIterations().count < 10)
    }
}
