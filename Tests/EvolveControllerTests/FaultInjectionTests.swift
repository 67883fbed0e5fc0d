import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

@Suite("Model faults", .serialized)
struct FaultInjectionTests {
    /// Faults served in turn on 3 of every 10 requests: a hang past the timeout, a 500, a 429 with
    /// Retry-After, a stream cut off, an empty answer and a garbage body.
    static let faults: [LoopbackLLMServer.Reply] = [
        .delayed(seconds: 8, .answer("late")), .status(500, "internal error"), .rateLimited(retryAfter: 1),
        .truncated("<<<<<<< SEARCH\n"), .empty, .garbage("<html>502 Bad Gateway</html>"),
    ]

    static func isFault(_ index: Int) -> Bool { [1, 4, 7].contains(index % 10) }

    @Test("a run where 30% of model requests fail in mixed ways completes its iterations, with every fault counted",
          arguments: [LoopbackLLMServer.WireFormat.ollama, .openai])
    func faultyServer(format: LoopbackLLMServer.WireFormat) async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-faults")
        defer { directory.remove() }
        try directory.copyContents(of: PackagePaths.knapsackExample)
        var problem = try Problem.load(from: directory.url)
        problem.configuration.search.iterations = 20
        problem.configuration.goal.target = nil
        problem.configuration.llm.timeout = 2.5
        problem.configuration.llm.requestRetries = 4

        let server = try await LoopbackLLMServer.start { request in
            if Self.isFault(request.index) {
                let faultNumber = (request.index / 10) * 3 + [1, 4, 7].firstIndex(of: request.index % 10)!
                return Self.faults[faultNumber % Self.faults.count]
            }
            return .answer(KnapsackAnswers.variant(request.index))
        }
        let client: any LLMClient =
            format == .ollama
            ? OllamaClient(configuration: .init(endpoint: server.url, model: LLMConfiguration.defaultModel, timeout: 2.5), logger: testLogger)
            : OpenAIClient(configuration: .init(endpoint: server.url + "/v1", model: LLMConfiguration.defaultModel, apiKey: "sk-test", timeout: 2.5), logger: testLogger)
        let store = try await SQLiteProgramStore(path: directory.url.appendingPathComponent("run.sqlite").path)
        let controller = Controller(
            problem: problem, llm: client, sandbox: ProcessSandbox(configuration: .init(), logger: testLogger), store: store, settings: RunSettings(problem.configuration),
            logger: testLogger)
        let eventsStream = controller.events.subscribe()
        let events = Task { await eventsStream.reduce(into: [EvolutionEvent.ModelFault]()) { if case .modelFault(let f) = $1 { $0.append(f) } } }
        let summary = try await controller.run(runDirectory: directory.url.path)
        await server.shutdown()

        #expect(summary.reason == .budgetSpent)
        #expect(summary.iterations == 20)
        let served = server.requests.filter { Self.isFault($0.index) }.count
        #expect(served >= 6, "the run met faults of every kind")
        let counts = try await store.faultCounts()[LLMConfiguration.defaultModel] ?? [:]
        print("faults (\(format)): \(server.requests.count) requests, \(served) faulty, counted \(counts.sorted { $0.key < $1.key })")
        #expect(counts.values.reduce(0, +) == served, "every fault served is counted once: \(counts)")
        for kind in ["timeout", "http_500", "http_429", "malformed_response", "empty_answer"] {
            #expect(counts[kind, default: 0] > 0, "\(kind) counted: \(counts)")
        }
        let faultEvents = await events.value
        #expect(faultEvents.count == served)
        #expect(try await store.allPrograms().filter { $0.origin == .mutation }.count == 20, "every iteration produced a child despite the faults")
    }

    @Test("an ensemble's failover under llm.record is stored and emitted (the recording wrapper passes the ensemble's faults on)")
    func ensembleFailoverUnderRecord() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-faults")
        defer { directory.remove() }
        try directory.copyContents(of: PackagePaths.knapsackExample)
        var problem = try Problem.load(from: directory.url)
        problem.configuration.search.iterations = 2
        problem.configuration.goal.target = nil
        let up = try await LoopbackLLMServer.start(models: ["up"]) { request in .answer(KnapsackAnswers.variant(request.index)) }
        let ensemble = EnsembleClient(members: [
            .init(client: OllamaClient(configuration: .init(endpoint: "http://127.0.0.1:9", model: "down"), logger: testLogger), weight: 10),
            .init(client: OllamaClient(configuration: .init(endpoint: up.url, model: "up"), logger: testLogger), weight: 1),
        ])
        let recording = RecordingClient(ensemble, store: AnswerStore(directory: directory.url.appendingPathComponent("answers")))
        let store = try await SQLiteProgramStore(path: directory.url.appendingPathComponent("run.sqlite").path)
        let controller = Controller(
            problem: problem, llm: recording, sandbox: ProcessSandbox(configuration: .init(), logger: testLogger), store: store,
            settings: RunSettings(problem.configuration), logger: testLogger)
        let eventsStream = controller.events.subscribe()
        let events = Task { await eventsStream.reduce(into: [EvolutionEvent.ModelFault]()) { if case .modelFault(let f) = $1 { $0.append(f) } } }
        let summary = try await controller.run(runDirectory: directory.url.path)
        await up.shutdown()
        #expect(summary.iterations == 2)
        let counts = try await store.faultCounts()
        // One failover per request that picked the down member before it was rested (two may be in flight).
        let stored = counts["down"]?["unreachable"] ?? 0
        #expect(stored >= 1 && counts.keys.sorted() == ["down"], "the failover is stored: \(counts), \(up.requests.count) answered by up")
        let emitted = await events.value
        #expect(emitted.count == stored && emitted.allSatisfy { $0.model == "down" }, "and emitted: \(emitted)")
    }
}
