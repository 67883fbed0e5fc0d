import EvolveCore
import EvolveLLM
import EvolveTesting
import Foundation
import Testing

/// The Ollama client against a real HTTP server on the loopback interface.
@Suite struct OllamaClientTests {
    static let model = LLMConfiguration.defaultModel

    /// An answer longer than one stream chunk, with newlines, quotes and non-ASCII text.
    static let longAnswer = """
        I replace the greedy loop by a dynamic programme over capacities — “it’s exact”.
        <<<<<<< SEARCH
            return greedy(items)
        =======
            return dp(items, capacity)  # ✓ 容量
        >>>>>>> REPLACE
        Done.
        """

    static let messages = [
        ChatMessage(.system, "You improve programs."),
        ChatMessage(.user, "Make it \"faster\"\nplease."),
    ]

    func client(_ server: LoopbackLLMServer, model: String = model, stream: Bool = true, timeout: Double = 30) -> OllamaClient {
        OllamaClient(configuration: .init(endpoint: server.url, model: model, stream: stream, timeout: timeout), logger: testLogger)
    }

    /// The error `body` throws, as an `LLMError` (nil, and a recorded issue, when it throws something else or nothing).
    func llmError(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async -> LLMError? {
        do {
            try await body()
            Issue.record("expected an LLMError, but the call succeeded", sourceLocation: sourceLocation)
        } catch let error as LLMError {
            return error
        } catch {
            Issue.record("expected an LLMError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    // MARK: - Answers and the wire format

    @Test("streamed and whole answers give the same full text", arguments: [true, false])
    func fullText(stream: Bool) async throws {
        try await LoopbackLLMServer.with(replies: [.answer(Self.longAnswer)]) { server in
            let response = try await client(server, stream: stream).chat(Self.messages, options: GenerationOptions())
            #expect(response.text == Self.longAnswer)
            #expect(response.model == Self.model)
            #expect(server.requests.count == 1)
            #expect(server.requests.first?.stream == stream)
        }
    }

    @Test("the request body is Ollama's chat format", arguments: [true, false])
    func wireFormat(stream: Bool) async throws {
        try await LoopbackLLMServer.with(replies: [.answer("ok")]) { server in
            let options = GenerationOptions(temperature: 0.25, topP: 0.9, seed: 1234, contextLength: 16384, maxTokens: 512)
            _ = try await client(server, stream: stream).chat(Self.messages, options: options)

            let request = try #require(server.requests.first)
            #expect(request.path == "/api/chat")
            let body = jsonObject(request.body)
            #expect(Set(body.keys) == ["model", "messages", "stream", "options"])
            #expect(body["model"] as? String == Self.model)
            #expect(body["stream"] as? Bool == stream)

            let messages = try #require(body["messages"] as? [[String: Any]])
            #expect(messages.count == 2)
            #expect(messages.map { Set($0.keys) } == [["role", "content"], ["role", "content"]])
            #expect(messages.map { $0["role"] as? String } == ["system", "user"])
            #expect(messages.map { $0["content"] as? String } == ["You improve programs.", "Make it \"faster\"\nplease."])

            let sent = try #require(body["options"] as? [String: Any])
            #expect(Set(sent.keys) == ["temperature", "top_p", "seed", "num_ctx", "num_predict"])
            #expect((sent["temperature"] as? NSNumber)?.doubleValue == 0.25)
            #expect((sent["top_p"] as? NSNumber)?.doubleValue == 0.9)
            #expect((sent["seed"] as? NSNumber)?.intValue == 1234)
            #expect((sent["num_ctx"] as? NSNumber)?.intValue == 16384)
            #expect((sent["num_predict"] as? NSNumber)?.intValue == 512)
        }
    }

    @Test("top_p and seed are left out when not set")
    func optionalOptionsOmitted() async throws {
        try await LoopbackLLMServer.with(replies: [.answer("ok")]) { server in
            _ = try await client(server).chat(Self.messages, options: GenerationOptions(temperature: 0.7))

            let request = try #require(server.requests.first)
            let sent = try #require(jsonObject(request.body)["options"] as? [String: Any])
            #expect(Set(sent.keys) == ["temperature", "num_ctx", "num_predict"])
            #expect((sent["temperature"] as? NSNumber)?.doubleValue == 0.7)
            #expect((sent["num_ctx"] as? NSNumber)?.intValue == 8192)
            #expect((sent["num_predict"] as? NSNumber)?.intValue == 2048)
        }
    }

    @Test("options from evolve.yaml's llm section reach the server")
    func optionsFromConfiguration() async throws {
        try await LoopbackLLMServer.with(replies: [.answer("ok")]) { server in
            let configuration = LLMConfiguration(temperature: 1.1, topP: 0.5, seed: 7, contextLength: 4096, maxTokens: 300)
            _ = try await client(server).chat(Self.messages, options: GenerationOptions(configuration))

            let options = try #require(server.requests.first).options
            #expect(options["temperature"]?.number == 1.1)
            #expect(options["top_p"]?.number == 0.5)
            #expect(options["seed"]?.number == 7)
            #expect(options["num_ctx"]?.number == 4096)
            #expect(options["num_predict"]?.number == 300)
        }
    }

    @Test("token counts and the finish reason come back with the answer", arguments: [true, false])
    func tokenCounts(stream: Bool) async throws {
        let text = String(repeating: "abcd", count: 30)  // the loopback server counts text.count / 4 tokens
        try await LoopbackLLMServer.with(replies: [.answer(text)]) { server in
            let response = try await client(server, stream: stream).chat(Self.messages, options: GenerationOptions())
            #expect(response.promptTokens == 30)
            #expect(response.completionTokens == 30)
            #expect(response.finishReason == "stop")
            #expect(response.duration > 0 && response.duration < 30)
        }
    }

    // MARK: - checkAvailability

    @Test(
        "checkAvailability succeeds when the server lists the model",
        arguments: [
            (listed: "qwen3:8b", asked: "qwen3:8b"),
            (listed: "llama3.2:latest", asked: "llama3.2"),
            (listed: "llama3.2", asked: "llama3.2:latest"),
        ])
    func modelListed(listed: String, asked: String) async throws {
        try await LoopbackLLMServer.with(models: ["other:1b", listed], script: { _ in .answer("ok") }) { server in
            try await client(server, model: asked).checkAvailability()
        }
    }

    @Test("checkAvailability says to pull a model the server does not have")
    func modelNotListed() async throws {
        try await LoopbackLLMServer.with(models: ["llama3.2:latest"], script: { _ in .answer("ok") }) { server in
            let error = await llmError { try await client(server, model: "qwen3:8b").checkAvailability() }
            #expect(error?.code == .modelNotFound)
            #expect(error?.message.contains("ollama pull qwen3:8b") == true)
            #expect(error?.message.contains(server.url) == true)
            // A different tag of a listed model is a different model.
            let tagged = await llmError { try await client(server, model: "llama3.2:1b").checkAvailability() }
            #expect(tagged?.code == .modelNotFound)
        }
    }

    @Test("checkAvailability against a closed port fails fast and says how to start Ollama")
    func unreachable() async throws {
        let url = "http://127.0.0.1:9"
        let client = OllamaClient(configuration: .init(endpoint: url, model: "qwen3:8b", timeout: 30), logger: testLogger)
        let start = ContinuousClock.now
        let result = await outcome(within: 20) { try await client.checkAvailability() }
        let elapsed = seconds(since: start)
        guard case .failure(let failure)? = result else {
            Issue.record("checkAvailability did not fail within 20 s: \(String(describing: result))")
            return
        }
        let error = try #require(failure as? LLMError)
        #expect(error.code == .unreachable)
        #expect(elapsed < 5)
        #expect(error.message.contains(url))
        #expect(error.message.contains("qwen3:8b"))
        #expect(error.message.contains("ollama serve"))
    }

    @Test("chat against a closed port is an unreachable-server error naming the URL")
    func chatUnreachable() async throws {
        // The HTTP client retries a refused connection until the request's timeout, so keep it short.
        let client = OllamaClient(configuration: .init(endpoint: "http://127.0.0.1:9", model: "qwen3:8b", timeout: 2), logger: testLogger)
        let error = await llmError { _ = try await client.chat(Self.messages, options: GenerationOptions()) }
        #expect(error?.code == .unreachable, "\(error?.message ?? "")")
        #expect(error?.message.contains("127.0.0.1:9") == true)
    }

    /// A server that went away (Ollama crashed or was stopped during a run) should be reported
    /// about as fast as `checkAvailability` reports it, not after the whole answer timeout
    /// (300 s by default): the HTTP client retries the refused connection until the deadline.
    @Test("chat against a closed port fails within seconds even with a long answer timeout")
    func chatUnreachableFast() async throws {
        let client = OllamaClient(configuration: .init(endpoint: "http://127.0.0.1:9", model: "qwen3:8b", timeout: 60), logger: testLogger)
        let start = ContinuousClock.now
        let result = await outcome(within: 10) { try await client.chat(Self.messages, options: GenerationOptions()) }
        let elapsed = seconds(since: start)
        do {
            guard case .failure(let failure)? = result else {
                Issue.record("chat to a closed port had not failed after 10 s (timeout 60 s)")
                return
            }
            #expect((failure as? LLMError)?.code == .unreachable, "\(failure)")
            #expect(elapsed < 10)
        }
    }

    // MARK: - Server errors and bad answers

    @Test("an HTTP 500 is an httpStatus error carrying the server's message", arguments: [true, false])
    func serverError(stream: Bool) async throws {
        try await LoopbackLLMServer.with(replies: [.status(500, "CUDA error: out of memory")]) { server in
            let error = await llmError { _ = try await client(server, stream: stream).chat(Self.messages, options: GenerationOptions()) }
            #expect(error?.code == .httpStatus)
            #expect(error?.status == 500)
            #expect(error?.message.contains("CUDA error: out of memory") == true)
            #expect(error?.message.contains("500") == true)
        }
    }

    @Test("a chat for a model the server does not have says to pull it")
    func chatModelNotFound() async throws {
        try await LoopbackLLMServer.with(models: ["llama3.2:latest"], script: { _ in .answer("ok") }) { server in
            let error = await llmError { _ = try await client(server, model: "qwen3:8b").chat(Self.messages, options: GenerationOptions()) }
            #expect(error?.code == .modelNotFound)
            #expect(error?.status == 404)
            #expect(error?.message.contains("ollama pull qwen3:8b") == true)
        }
    }

    @Test("a scripted 404 'model not found' is modelNotFound, another 404 is httpStatus")
    func scripted404() async throws {
        try await LoopbackLLMServer.with(replies: [.status(404, "model 'x' not found"), .status(404, "no such route")]) { server in
            let notFound = await llmError { _ = try await client(server).chat(Self.messages, options: GenerationOptions()) }
            #expect(notFound?.code == .modelNotFound)
            let other = await llmError { _ = try await client(server).chat(Self.messages, options: GenerationOptions()) }
            #expect(other?.code == .httpStatus)
            #expect(other?.status == 404)
            #expect(other?.message.contains("no such route") == true)
        }
    }

    @Test("a body that is not JSON is a malformed response", arguments: [true, false])
    func garbage(stream: Bool) async throws {
        try await LoopbackLLMServer.with(replies: [.garbage("<html><body>502 Bad Gateway</body></html>")]) { server in
            let error = await llmError { _ = try await client(server, stream: stream).chat(Self.messages, options: GenerationOptions()) }
            #expect(error?.code == .malformedResponse)
            #expect(error?.message.contains("502 Bad Gateway") == true)
        }
    }

    @Test("a stream cut off before its final chunk is a malformed response")
    func truncated() async throws {
        try await LoopbackLLMServer.with(replies: [.truncated(Self.longAnswer)]) { server in
            let error = await llmError { _ = try await client(server, stream: true).chat(Self.messages, options: GenerationOptions()) }
            // The connection closes in the middle of the chunked body; the client maps the HTTP
            // client's error to `.unreachable` ("lost the connection ... stream ended at an
            // unexpected time") before its own "ended before its final chunk" check can run.
            do {
                #expect(error?.code == .malformedResponse, "\(error?.message ?? "")")
            }
            #expect(error?.message.contains(server.url) == true)
        }
    }

    @Test("an answer with empty content is an emptyAnswer error", arguments: [true, false])
    func emptyAnswer(stream: Bool) async throws {
        try await LoopbackLLMServer.with(replies: [.empty, .answer("  \n\t\n")]) { server in
            let empty = await llmError { _ = try await client(server, stream: stream).chat(Self.messages, options: GenerationOptions()) }
            #expect(empty?.code == .emptyAnswer)
            #expect(empty?.message.contains(Self.model) == true)
            let blank = await llmError { _ = try await client(server, stream: stream).chat(Self.messages, options: GenerationOptions()) }
            #expect(blank?.code == .emptyAnswer)
        }
    }

    // MARK: - Time

    @Test("a server that never answers ends in a timeout error", arguments: [true, false])
    func timeout(stream: Bool) async throws {
        try await LoopbackLLMServer.with(replies: [.hang]) { server in
            let client = client(server, stream: stream, timeout: 1)
            let start = ContinuousClock.now
            let result = await outcome(within: 20) { try await client.chat(Self.messages, options: GenerationOptions()) }
            let elapsed = seconds(since: start)
            guard case .failure(let failure)? = result else {
                Issue.record("chat did not fail within 20 s: \(String(describing: result))")
                return
            }
            let error = try #require(failure as? LLMError, "\(failure)")
            #expect(error.code == .timeout)
            #expect(elapsed >= 0.9)
            #expect(elapsed < 8)
            #expect(error.message.contains(server.url))
        }
    }

    @Test("a slow answer within the timeout succeeds")
    func slowButInTime() async throws {
        try await LoopbackLLMServer.with(replies: [.delayed(seconds: 0.3, .answer(Self.longAnswer))]) { server in
            let response = try await client(server, timeout: 5).chat(Self.messages, options: GenerationOptions())
            #expect(response.text == Self.longAnswer)
            #expect(response.duration >= 0.25)
        }
    }

    /// The timeout is documented as "from sending it to the last byte of the answer". A server
    /// that sends the head and the first tokens and then stalls must still end in `.timeout`.
    @Test("a stream that stalls after its first chunk ends in a timeout error")
    func stalledStream() async throws {
        let server = try StallingServer(
            firstChunk: #"{"model":"m","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":"I will"},"done":false}"#)
        defer { server.stop() }
        let client = OllamaClient(configuration: .init(endpoint: server.url, model: "m", stream: true, timeout: 1), logger: testLogger)
        let start = ContinuousClock.now
        let result = await outcome(within: 10) { try await client.chat(Self.messages, options: GenerationOptions()) }
        let elapsed = seconds(since: start)
        do {
            guard case .failure(let failure)? = result else {
                Issue.record("chat had not ended after 10 s with a 1 s timeout (result: \(String(describing: result)))")
                return
            }
            #expect((failure as? LLMError)?.code == .timeout, "\(failure)")
            #expect(elapsed < 8)
        }
    }

    // MARK: - Cancellation and concurrency

    @Test("cancelling a waiting chat ends it promptly and leaves the server usable")
    func cancellation() async throws {
        try await LoopbackLLMServer.with(script: { request in request.index == 0 ? .hang : .answer("after the cancel") }) { server in
            let client = client(server, timeout: 120)
            let task = Task { try await client.chat(Self.messages, options: GenerationOptions()) }

            // Wait until the server has the request, so the cancel hits a request in flight.
            let waitStart = ContinuousClock.now
            while server.requests.isEmpty, seconds(since: waitStart) < 10 {
                try await Task.sleep(for: .milliseconds(20))
            }
            try #require(server.requests.count == 1, "the request never reached the server")

            let start = ContinuousClock.now
            task.cancel()
            let result = await outcome(within: 10) { try await task.value }
            let elapsed = seconds(since: start)
            switch result {
            case nil:
                Issue.record("the cancelled chat was still running after 10 s")
            case .success(let response)?:
                Issue.record("the cancelled chat returned an answer: \(response.text)")
            case .failure(let error)?:
                #expect(error is CancellationError, "a cancelled chat should end with CancellationError, got \(error)")
                #expect(!(error is LLMError), "cancelling is not a harness failure: \(error)")
                #expect(elapsed < 3)
            }

            let after = try await client.chat(Self.messages, options: GenerationOptions())
            #expect(after.text == "after the cancel")
            #expect(server.requests.count == 2)
        }
    }

    @Test("eight concurrent chats each get their own answer")
    func concurrentChats() async throws {
        let echo: @Sendable (LoopbackLLMServer.Request) -> LoopbackLLMServer.Reply = { request in
            .delayed(seconds: 0.05, .answer("echo: " + (request.messages.last?.content ?? "")))
        }
        try await LoopbackLLMServer.with(script: echo) { server in
            let client = client(server)
            let answers = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for index in 0..<8 {
                    group.addTask {
                        let response = try await client.chat(
                            [ChatMessage(.system, "s"), ChatMessage(.user, "question \(index)")], options: GenerationOptions(seed: index))
                        return (index, response.text)
                    }
                }
                var answers: [Int: String] = [:]
                for try await (index, text) in group { answers[index] = text }
                return answers
            }
            #expect(answers.count == 8)
            for index in 0..<8 {
                #expect(answers[index] == "echo: question \(index)")
            }
            #expect(server.requests.count == 8)
            #expect(Set(server.requests.map { $0.messages.last?.content ?? "" }) == Set((0..<8).map { "question \($0)" }))
        }
    }
}
