import EvolveCore
import EvolveLLM
import EvolveTesting
import Testing

/// `LoopbackLLMServer.with { }` leaves no server behind: it is shut down, awaited, when the body
/// returns and when it throws.
@Suite struct LoopbackServerScopeTests {
    struct Stop: Error {}

    /// Whether a model client still reaches a server at `url`.
    func answers(_ url: String) async -> Bool {
        let client = OllamaClient(configuration: .init(endpoint: url, model: LLMConfiguration.defaultModel, timeout: 10), logger: testLogger)
        do {
            try await client.checkAvailability()
            return true
        } catch {
            return false
        }
    }

    @Test("the server answers inside the body, and is gone once the body has returned")
    func shutDownAfterReturn() async throws {
        let (url, answered) = try await LoopbackLLMServer.with(replies: [.answer("ok")]) { server in
            (server.url, await answers(server.url))
        }
        #expect(answered)
        #expect(await !answers(url))
    }

    @Test("a body that throws: the error reaches the caller, and the server is gone")
    func shutDownAfterThrow() async throws {
        var url: String?
        await #expect(throws: Stop.self) {
            try await LoopbackLLMServer.with(replies: [.answer("ok")]) { server in
                url = server.url
                throw Stop()
            }
        }
        let gone = try #require(url)
        #expect(await !answers(gone))
    }
}
