import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

@Suite("Events to many subscribers", .serialized)
struct EventBusTests {
    func knapsackRun(iterations: Int) async throws -> (TemporaryDirectory, Controller, LoopbackLLMServer) {
        let (directory, problem, _) = try slowKnapsack(sleep: 0, iterations: iterations, modelConcurrency: 2, evaluationConcurrency: 2)
        var configured = problem
        configured.configuration.goal.target = nil
        let server = try await LoopbackLLMServer.start { .answer(KnapsackAnswers.variant($0.index)) }
        let store = try await SQLiteProgramStore(path: directory.url.appendingPathComponent("run.sqlite").path)
        let controller = Controller(
            problem: configured, llm: OllamaClient(configuration: .init(endpoint: server.url, model: LLMConfiguration.defaultModel), logger: testLogger), sandbox: ProcessSandbox(configuration: .init(), logger: testLogger),
            store: store, settings: RunSettings(configured.configuration), logger: testLogger)
        return (directory, controller, server)
    }

    @Test("two subscribers receive every event of a run, in order")
    func twoSubscribers() async throws {
        let (directory, controller, server) = try await knapsackRun(iterations: 6)
        defer { directory.remove() }
        let first = controller.events.subscribe(), second = controller.events.subscribe()
        let a = Task { await first.reduce(into: [EvolutionEvent]()) { $0.append($1) } }
        let b = Task { await second.reduce(into: [EvolutionEvent]()) { $0.append($1) } }
        _ = try await controller.run(runDirectory: directory.url.path)
        await server.shutdown()
        let (eventsA, eventsB) = (await a.value, await b.value)
        #expect(eventsA == eventsB)
        #expect(eventsA.first?.name == "run_started")
        #expect(eventsA.last?.name == "run_finished")
        let added = eventsA.filter { $0.name == "program_added" }.count
        #expect(added == 7, "the start and six children")
        #expect(controller.events.droppedEvents == 0)
    }

    @Test("a subscriber that never reads does not slow the run; its oldest events are dropped")
    func stalledSubscriber() async throws {
        let (directory, controller, server) = try await knapsackRun(iterations: 10)
        defer { directory.remove() }
        let stalled = controller.events.subscribe(bufferSize: 2)
        let reader = controller.events.subscribe()
        let read = Task { await reader.reduce(0) { count, _ in count + 1 } }
        let summary = try await controller.run(runDirectory: directory.url.path)
        await server.shutdown()
        #expect(summary.iterations == 10)
        let delivered = await read.value
        #expect(delivered >= 12, "the reading subscriber saw every event")
        #expect(controller.events.droppedEvents == delivered - 2, "the stalled one kept only its 2 newest")
        var kept: [String] = []
        for await event in stalled { kept.append(event.name) }
        #expect(kept.count == 2)
        #expect(kept.last == "run_finished", "what is kept is the newest")
    }

    @Test("a subscription made after the run ends at once")
    func lateSubscriber() async throws {
        let bus = EventBus()
        bus.emit(.migration(.init(from: 0, to: 1, programID: ProgramID("p"))))
        bus.finish()
        var count = 0
        for await _ in bus.subscribe() { count += 1 }
        #expect(count == 0)
    }

    @Test("event names come from the event type")
    func names() {
        let event = EvolutionEvent.iterationFailed(.init(iteration: 1, reason: .tooLong, message: "too long"))
        #expect(event.name == "iteration_failed")
        #expect(EvolutionEvent.modelFault(.init(model: "m", kind: "timeout", message: "", willRetry: true)).name == "model_fault")
    }
}
