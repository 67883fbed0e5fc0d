import EvolveCore
import EvolveLLM
import EvolveTesting
import Foundation
import Testing

@Suite("Token counts from OpenAI-compatible servers")
struct TokenCountTests {
    static let messages = [ChatMessage(.system, "be brief and exact"), ChatMessage(.user, "say hello to the world")]
    static let text = "hello there world, from a model"

    func ask(usage: LoopbackLLMServer.Usage, tokenizer: LoopbackLLMServer.Tokenizer?, stream: Bool = true) async throws
        -> (ChatResponse, LoopbackLLMServer)
    {
        let server = try await LoopbackLLMServer.start(usage: usage, tokenizer: tokenizer, replies: [.answer(Self.text)])
        let client = OpenAIClient(
            configuration: .init(endpoint: server.url + "/v1", model: LLMConfiguration.defaultModel, stream: stream), logger: testLogger)
        let first = try await client.chat(Self.messages, options: GenerationOptions())
        _ = try await client.chat(Self.messages, options: GenerationOptions())
        await server.shutdown()
        return (first, server)
    }

    @Test("a stream asks for usage and reads it from the last chunk")
    func usageInStream() async throws {
        let (response, server) = try await ask(usage: .whenAsked, tokenizer: nil)
        #expect(server.requests.first?.options["stream_options"] == .object(["include_usage": .bool(true)]))
        #expect(response.completionTokens == Self.text.count / 4)
        #expect(response.tokensEstimated == false)
    }

    @Test("without usage, counts come from llama.cpp's /tokenize or llama-cpp-python's /extras/tokenize/count",
          arguments: [LoopbackLLMServer.Tokenizer.llamaCpp, .llamaCppPython])
    func tokenizerEndpoint(tokenizer: LoopbackLLMServer.Tokenizer) async throws {
        for stream in [true, false] {
            let (response, _) = try await ask(usage: .never, tokenizer: tokenizer, stream: stream)
            #expect(response.completionTokens == 6, "the loopback tokenizer counts words")
            #expect(response.promptTokens == 9)
            #expect(response.tokensEstimated == false)
        }
    }

    @Test("without usage or a tokenizer, counts are estimated from the length and marked so")
    func estimate() async throws {
        let (response, _) = try await ask(usage: .never, tokenizer: nil)
        #expect(response.completionTokens == (Self.text.count + 3) / 4)
        let prompt = Self.messages.map(\.content).joined(separator: "\n")
        #expect(response.promptTokens == (prompt.count + 3) / 4)
        #expect(response.tokensEstimated)
    }
}
