import EvolveCore
import EvolveLLM
import EvolveTesting
import Foundation
import Synchronization
import Testing

@Suite("Ensembles")
struct EnsembleClientTests {
    static let messages = [ChatMessage(.user, "hi")]

    @Test("requests are shared by weight, and each answer names the model that wrote it")
    func weights() async throws {
        let fast = try await LoopbackLLMServer.start(models: ["fast"], replies: [.answer("from fast")])
        let strong = try await LoopbackLLMServer.start(models: ["strong"], replies: [.answer("from strong")])
        let ensemble = EnsembleClient(members: [
            .init(client: OllamaClient(configuration: .init(endpoint: fast.url, model: "fast"), logger: testLogger), weight: 0.8),
            .init(client: OllamaClient(configuration: .init(endpoint: strong.url, model: "strong"), logger: testLogger), weight: 0.2),
        ])
        var answers: [String: Int] = [:]
        for _ in 0..<100 {
            let response = try await ensemble.chat(Self.messages, options: GenerationOptions())
            answers[response.model, default: 0] += 1
            #expect(response.text == "from \(response.model)")
        }
        await fast.shutdown()
        await strong.shutdown()
        #expect((60...95).contains(answers["fast"] ?? 0), "\(answers)")
        #expect(answers["fast", default: 0] + answers["strong", default: 0] == 100)
    }

    @Test("when one endpoint is down, requests fail over to the others and the failure is reported")
    func failover() async throws {
        let up = try await LoopbackLLMServer.start(models: ["up"], replies: [.answer("ok")])
        let ensemble = EnsembleClient(members: [
            .init(client: OllamaClient(configuration: .init(endpoint: "http://127.0.0.1:9", model: "down"), logger: testLogger), weight: 10),
            .init(client: OllamaClient(configuration: .init(endpoint: up.url, model: "up"), logger: testLogger), weight: 1),
        ])
        let faults = Mutex<[String]>([])
        ensemble.observeFaults { fault in faults.withLock { $0.append("\(fault.model) \(fault.kind)") } }
        for _ in 0..<5 {
            let response = try await ensemble.chat(Self.messages, options: GenerationOptions())
            #expect(response.model == "up")
        }
        await up.shutdown()
        #expect(up.requests.count == 5)
        // The down member is rested after its first failure, so it costs one fault, not five.
        #expect(faults.withLock { $0 } == ["down unreachable"])
    }

    @Test("a member's concurrency limit holds however many requests wait")
    func perEndpointConcurrency() async throws {
        let server = try await LoopbackLLMServer.start(models: ["m"]) { _ in .delayed(seconds: 0.1, .answer("ok")) }
        let counter = InFlightCounter()
        let ensemble = EnsembleClient(members: [.init(client: CountingLLM(inner: OllamaClient(configuration: .init(endpoint: server.url, model: "m"), logger: testLogger), counter: counter), concurrency: 2)])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { _ = try await ensemble.chat(Self.messages, options: GenerationOptions()) } }
            try await group.waitForAll()
        }
        await server.shutdown()
        #expect(counter.most == 2)
        #expect(server.requests.count == 8)
    }

    @Test("the bandit moves weight toward the model whose children improve on their parents")
    func bandit() {
        let ensemble = EnsembleClient(
            members: [.init(client: OllamaClient(configuration: .init(endpoint: "http://127.0.0.1:9", model: "a"), logger: testLogger)), .init(client: OllamaClient(configuration: .init(endpoint: "http://127.0.0.1:9", model: "b"), logger: testLogger))],
            bandit: true)
        #expect(ensemble.effectiveWeights[0] == ensemble.effectiveWeights[1])
        for _ in 0..<10 {
            ensemble.report(model: "a", improved: true)
            ensemble.report(model: "b", improved: false)
        }
        let weights = ensemble.effectiveWeights
        #expect(weights[0] > 5 * weights[1], "\(weights)")
    }

    @Test("prices turn tokens into a cost per answer")
    func cost() async throws {
        let server = try await LoopbackLLMServer.start(models: ["m"], replies: [.answer(String(repeating: "x", count: 400))])
        let ensemble = EnsembleClient(members: [.init(client: OllamaClient(configuration: .init(endpoint: server.url, model: "m"), logger: testLogger), inputPrice: 1_000, outputPrice: 2_000)])
        let response = try await ensemble.chat(Self.messages, options: GenerationOptions())
        await server.shutdown()
        let expected = (Double(response.promptTokens!) * 1_000 + Double(response.completionTokens!) * 2_000) / 1_000_000
        #expect(response.cost == expected)
        #expect(expected > 0)
    }
}

final class InFlightCounter: Sendable {
    private let state = Mutex((now: 0, most: 0))
    func enter() { state.withLock { $0.now += 1; $0.most = max($0.most, $0.now) } }
    func leave() { state.withLock { $0.now -= 1 } }
    var most: Int { state.withLock { $0.most } }
}

struct CountingLLM: LLMClient {
    var inner: OllamaClient
    var counter: InFlightCounter
    var model: String { inner.model }
    var endpoint: String { inner.endpoint }
    func checkAvailability() async throws {}
    func chat(_ messages: [ChatMessage], options: GenerationOptions) async throws -> ChatResponse {
        counter.enter()
        defer { counter.leave() }
        return try await inner.chat(messages, options: options)
    }
}
