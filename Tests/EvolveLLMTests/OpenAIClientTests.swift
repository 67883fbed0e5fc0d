import EvolveCore
import EvolveLLM
import EvolveTesting
import Foundation
import Synchronization
import Testing

@Suite("OpenAI-compatible client and retries")
struct OpenAIClientTests {
    static let messages = [ChatMessage(.system, "be brief"), ChatMessage(.user, "say hello")]

    @Test("streamed and whole answers arrive complete, with usage, in OpenAI's wire format", arguments: [true, false])
    func answers(stream: Bool) async throws {
        let text = String(repeating: "héllo wörld ", count: 20)
        let server = try await LoopbackLLMServer.start(replies: [.answer(text)])
        let client = OpenAIClient(configuration: .init(endpoint: server.url + "/v1/", model: LLMConfiguration.defaultModel, apiKey: "sk-secret-1234", stream: stream), logger: testLogger)
        try await client.checkAvailability()
        let response = try await client.chat(Self.messages, options: GenerationOptions(temperature: 0.3, seed: 7, maxTokens: 99))
        await server.shutdown()
        #expect(response.text == text)
        #expect(response.promptTokens != nil && response.completionTokens != nil)
        #expect(response.finishReason == "stop")
        let request = try #require(server.requests.first)
        #expect(request.format == .openai)
        #expect(request.stream == stream)
        #expect(request.authorization == "Bearer sk-secret-1234")
        #expect(request.options["max_tokens"] == .number(99))
        #expect(request.options["seed"] == .number(7))
        #expect(request.messages.map(\.role) == ["system", "user"])
    }

    @Test("the API key never appears in an error message, even when the server echoes it")
    func keyIsRedacted() async throws {
        let key = "sk-very-secret-key-0042"
        let server = try await LoopbackLLMServer.start(replies: [.status(401, "Incorrect API key provided: \(key)")])
        let client = OpenAIClient(configuration: .init(endpoint: server.url + "/v1", model: LLMConfiguration.defaultModel, apiKey: key), logger: testLogger)
        let error = await #expect(throws: LLMError.self) { try await client.chat(Self.messages, options: GenerationOptions()) }
        await server.shutdown()
        #expect(error?.status == 401)
        #expect(error?.isTransient == false)
        #expect(error?.message.contains(key) == false)
        #expect(error?.message.contains("[API key]") == true)
    }

    @Test("the base URL: OPENAI_BASE_URL over evolve.yaml, the flag over both, else the OpenAI API")
    func baseURL() {
        #expect(OpenAIClient.resolveBaseURL(flag: nil, environment: [:], configured: nil) == "https://api.openai.com/v1")
        #expect(OpenAIClient.resolveBaseURL(flag: nil, environment: [:], configured: "http://h:1/v1") == "http://h:1/v1")
        #expect(OpenAIClient.resolveBaseURL(flag: nil, environment: ["OPENAI_BASE_URL": "http://e:2/v1"], configured: "http://h:1/v1") == "http://e:2/v1")
        #expect(OpenAIClient.resolveBaseURL(flag: "http://f:3/v1", environment: ["OPENAI_BASE_URL": "http://e:2/v1"], configured: nil) == "http://f:3/v1")
    }

    @Test("transient failures are retried and counted; a 4xx that cannot succeed is not retried")
    func retries() async throws {
        let server = try await LoopbackLLMServer.start(replies: [.status(503, "busy"), .rateLimited(retryAfter: 0), .answer("ok")])
        let faults = FaultLog()
        let client = RetryingClient(
            OpenAIClient(configuration: .init(endpoint: server.url + "/v1", model: LLMConfiguration.defaultModel, apiKey: nil), logger: testLogger), maxAttempts: 4, baseDelay: 0.01,
            onFault: faults.append)
        let response = try await client.chat(Self.messages, options: GenerationOptions())
        #expect(response.text == "ok")
        #expect(faults.kinds == ["http_503", "http_429"])
        #expect(faults.retried == [true, true])
        await server.shutdown()

        let refusing = try await LoopbackLLMServer.start(replies: [.status(400, "bad request")])
        let strict = RetryingClient(OllamaClient(configuration: .init(endpoint: refusing.url, model: LLMConfiguration.defaultModel), logger: testLogger), maxAttempts: 4, baseDelay: 0.01)
        await #expect(throws: LLMError.self) { try await strict.chat(Self.messages, options: GenerationOptions()) }
        #expect(refusing.requests.count == 1)
        await refusing.shutdown()
    }

    @Test("the wait before a retry honours Retry-After, else backs off exponentially with jitter up to a cap")
    func backoff() {
        let client = RetryingClient(OllamaClient(configuration: .init(endpoint: "http://127.0.0.1:9", model: "m"), logger: testLogger), baseDelay: 0.5, maxDelay: 4)
        #expect(client.delay(after: 1, retryAfter: 7) == 7)
        for attempt in 1...8 {
            let delay = client.delay(after: attempt, retryAfter: nil)
            #expect(delay >= 0 && delay <= min(4, 0.5 * pow(2, Double(attempt - 1))))
        }
    }
}

final class FaultLog: Sendable {
    private let faults = Mutex<[LLMFault]>([])
    var append: @Sendable (LLMFault) -> Void { { fault in self.faults.withLock { $0.append(fault) } } }
    var kinds: [String] { faults.withLock { $0.map(\.kind) } }
    var retried: [Bool] { faults.withLock { $0.map(\.willRetry) } }
}
