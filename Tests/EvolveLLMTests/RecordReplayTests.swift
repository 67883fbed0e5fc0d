import EvolveCore
import EvolveLLM
import EvolveTesting
import Foundation
import Synchronization
import Testing

@Suite("Record and replay of model answers")
struct RecordReplayTests {
    static let options = GenerationOptions(temperature: 0.5, seed: 3, maxTokens: 300)
    static func ask(_ question: String) -> [ChatMessage] {
        [ChatMessage(.system, "You improve knapsack solvers."), ChatMessage(.user, question)]
    }

    /// Records `questions` asked of a loopback server answering "answer N" to the N-th request; returns the store.
    func record(_ questions: [String]) async throws -> (TemporaryDirectory, AnswerStore) {
        let directory = try TemporaryDirectory(prefix: "evolve-answers")
        let server = try await LoopbackLLMServer.start { .answer("answer \($0.index)") }
        let live = OpenAIClient(configuration: .init(endpoint: server.url + "/v1", model: LLMConfiguration.defaultModel), logger: testLogger)
        let store = AnswerStore(directory: directory.url.appendingPathComponent("answers"))
        let recording = RecordingClient(live, store: store)
        for question in questions { _ = try await recording.chat(Self.ask(question), options: Self.options) }
        await server.shutdown()
        return (directory, store)
    }

    @Test("replay with no server serves the recorded answers; a request asked twice gets both answers in order")
    func replaysInOrder() async throws {
        let (directory, store) = try await record(["first", "second", "first"])
        defer { directory.remove() }
        let files = try FileManager.default.contentsOfDirectory(atPath: store.directory.path)
        #expect(files.count == 2, "one file per distinct request: \(files)")
        let replay = ReplayingClient(store: store, model: LLMConfiguration.defaultModel)
        try await replay.checkAvailability()
        #expect(try await replay.chat(Self.ask("first"), options: Self.options).text == "answer 0")
        #expect(try await replay.chat(Self.ask("first"), options: Self.options).text == "answer 2")
        let second = try await replay.chat(Self.ask("second"), options: Self.options)
        #expect(second.text == "answer 1")
        #expect(second.model == LLMConfiguration.defaultModel)
        #expect(second.promptTokens != nil && second.finishReason == "stop", "the recorded counts and finish reason come back")
        let third = await #expect(throws: LLMError.self) { try await replay.chat(Self.ask("first"), options: Self.options) }
        #expect(third?.code == .notRecorded)
        #expect(third?.message.contains("holds 2 answer(s)") == true, "\(third?.message ?? "")")
    }

    @Test("an unseen request fails once, naming its key and the first message that differs")
    func unseenRequestFails() async throws {
        let (directory, store) = try await record(["make it faster please"])
        defer { directory.remove() }
        let faults = FaultList()
        let replay = RetryingClient(
            ReplayingClient(store: store, model: LLMConfiguration.defaultModel), maxAttempts: 4, onFault: { fault in faults.append(fault) })
        let messages = Self.ask("make it shorter please")
        let error = await #expect(throws: LLMError.self) { try await replay.chat(messages, options: Self.options) }
        let key = RecordedRequest(model: LLMConfiguration.defaultModel, messages: messages, options: Self.options).key
        #expect(error?.code == .notRecorded)
        #expect(error?.isTransient == false)
        #expect(error?.message.contains(String(key.prefix(16))) == true)
        #expect(error?.message.contains("message 2 (user)") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("make it faster") == true && error?.message.contains("make it shorter") == true)
        #expect(faults.all.map(\.willRetry) == [false], "not retried")

        var hotter = Self.options
        hotter.temperature = 0.9
        let options = await #expect(throws: LLMError.self) {
            try await ReplayingClient(store: store, model: LLMConfiguration.defaultModel).chat(Self.ask("make it faster please"), options: hotter)
        }
        #expect(options?.message.contains("other options (temperature 0.5") == true, "\(options?.message ?? "")")
    }

    @Test("replay_fallthrough sends unseen requests to the live model and records them too")
    func fallthroughRecords() async throws {
        let (directory, store) = try await record(["first"])
        defer { directory.remove() }
        let server = try await LoopbackLLMServer.start { .answer("live \($0.index)") }
        let live = OpenAIClient(configuration: .init(endpoint: server.url + "/v1", model: LLMConfiguration.defaultModel), logger: testLogger)
        let replay = ReplayingClient(store: store, model: live.model, live: RecordingClient(live, store: store))
        #expect(try await replay.chat(Self.ask("first"), options: Self.options).text == "answer 0")
        #expect(try await replay.chat(Self.ask("new"), options: Self.options).text == "live 0")
        await server.shutdown()
        #expect(server.requests.count == 1, "only the unseen request reached the server")
        let again = ReplayingClient(store: store, model: live.model)
        #expect(try await again.chat(Self.ask("new"), options: Self.options).text == "live 0", "the fallthrough answer was recorded")
    }

    @Test("the key covers the model, the messages and each option that changes the answer, nothing else")
    func keys() {
        let base = RecordedRequest(model: "m", messages: Self.ask("q"), options: Self.options)
        var longerContext = Self.options
        longerContext.contextLength = 32_768
        #expect(RecordedRequest(model: "m", messages: Self.ask("q"), options: longerContext).key == base.key)
        #expect(base.key.count == 64 && base.key.allSatisfy(\.isHexDigit))
        var changed: [GenerationOptions] = []
        let changes: [(inout GenerationOptions) -> Void] = [{ $0.temperature = 0.1 }, { $0.topP = 0.9 }, { $0.seed = 4 }, { $0.maxTokens = 301 }]
        for change in changes {
            var options = Self.options
            change(&options)
            changed.append(options)
        }
        let keys = changed.map { RecordedRequest(model: "m", messages: Self.ask("q"), options: $0).key }
            + [RecordedRequest(model: "n", messages: Self.ask("q"), options: Self.options).key,
               RecordedRequest(model: "m", messages: Self.ask("q "), options: Self.options).key]
        #expect(Set(keys + [base.key]).count == keys.count + 1)
    }

    @Test("the key is the SHA-256 of the request's canonical JSON (sorted keys, no spaces), as sha256sum computes it")
    func keyIsSHA256OfCanonicalJSON() {
        let options = GenerationOptions(temperature: 0.5, seed: 3, maxTokens: 300)
        // python3: hashlib.sha256(json.dumps(request, sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode())
        #expect(RecordedRequest(model: "m", messages: [ChatMessage(.user, "q")], options: options).key
            == "d74e822d944a2d148ba187bb5c45e90cad1e5dec5add4eae54e515c85956af8b")
        let long = String(repeating: "é✓", count: 100)  // several 64-byte blocks, multi-byte characters
        #expect(RecordedRequest(model: "m", messages: [ChatMessage(.user, long)], options: options).key
            == "bb51ade421726a63366677f9837bedaf5cc13a4bfbde5e59ec791411c198f2c2")
    }

    @Test("replay of an empty directory says to record first")
    func emptyStore() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-answers")
        defer { directory.remove() }
        let replay = ReplayingClient(store: AnswerStore(directory: directory.url), model: "m")
        let error = await #expect(throws: LLMError.self) { try await replay.checkAvailability() }
        #expect(error?.message.contains("record some first with llm.record") == true)
    }
}

/// Faults reported from any task.
final class FaultList: Sendable {
    private let faults = Mutex<[LLMFault]>([])
    func append(_ fault: LLMFault) { faults.withLock { $0.append(fault) } }
    var all: [LLMFault] { faults.withLock { $0 } }
}
