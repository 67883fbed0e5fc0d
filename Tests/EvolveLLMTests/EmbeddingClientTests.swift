import EvolveCore
import EvolveLLM
import EvolveTesting
import Foundation
import Testing

/// The embedding clients against the loopback server's `POST /api/embed` and `POST /v1/embeddings`.
@Suite struct EmbeddingClientTests {
    static let texts = ["def solve(items): return []", "def solve(items): return sorted(items)"]

    func client(_ provider: EmbeddingConfiguration.Provider, _ server: LoopbackLLMServer, key: String? = nil) -> any EmbeddingClient {
        let url = server.url + (provider == .openai ? "/v1/" : "")
        return makeEmbeddingClient(
            EmbeddingConfiguration(provider: provider, url: url, model: "nomic-embed-text", apiKeyEnv: "EMBED_KEY"),
            environment: key.map { ["EMBED_KEY": $0] } ?? [:], logger: testLogger)
    }

    @Test("one vector per text, in order, in each API's wire format", arguments: [EmbeddingConfiguration.Provider.ollama, .openai])
    func vectors(provider: EmbeddingConfiguration.Provider) async throws {
        try await LoopbackLLMServer.with(replies: []) { server in
            let vectors = try await client(provider, server, key: "sk-test").embed(Self.texts)
            #expect(vectors.count == 2)
            #expect(vectors.allSatisfy { $0.count == 64 })
            #expect(vectors[0] != vectors[1])
            let request = try #require(server.embeddingRequests.first)
            #expect(request.format == (provider == .openai ? .openai : .ollama))
            #expect(request.model == "nomic-embed-text")
            #expect(request.inputs == Self.texts)
            #expect(request.authorization == (provider == .openai ? "Bearer sk-test" : nil))
            let again = try await client(provider, server).embed([Self.texts[1]])
            #expect(again == [vectors[1]], "the same text gives the same vector")
        }
    }

    @Test("a server error is an LLMError that names the server and its status", arguments: [EmbeddingConfiguration.Provider.ollama, .openai])
    func serverError(provider: EmbeddingConfiguration.Provider) async throws {
        try await LoopbackLLMServer.with(embeddings: .status(500, "no embedding model loaded"), replies: []) { server in
            let error = await #expect(throws: LLMError.self) { try await client(provider, server).embed(Self.texts) }
            #expect(error?.status == 500)
            #expect(error?.message.contains("no embedding model loaded") == true)
            #expect(error?.message.contains("127.0.0.1") == true)
        }
    }

    @Test("a server that is not there is reported as unreachable")
    func unreachable() async throws {
        let server = try await LoopbackLLMServer.start(replies: [])
        let gone = client(.ollama, server)
        await server.shutdown()
        let error = await #expect(throws: LLMError.self) { try await gone.embed(Self.texts) }
        #expect(error?.code == .unreachable)
    }
}
