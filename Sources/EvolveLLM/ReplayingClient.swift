import Foundation
import Synchronization

/// `llm.replay`: answers from an `AnswerStore` instead of a model. The n-th time a request is
/// asked it gets the n-th answer recorded for it. A request the store does not hold fails with
/// `LLMError.Code.notRecorded` (never retried), naming the key and where the request departs from
/// the closest recorded one, unless a `live` client is given: then it goes to that client.
public final class ReplayingClient: LLMClient {
    public let store: AnswerStore
    /// The model whose answers are replayed (it is part of every key).
    public let model: String
    public let live: (any LLMClient)?
    private let served = Mutex<[String: Int]>([:])

    public init(store: AnswerStore, model: String, live: (any LLMClient)? = nil) {
        self.store = store
        self.model = model
        self.live = live
    }

    public var endpoint: String {
        "recorded answers in \(store.directory.path)" + (live.map { ", else \($0.endpoint)" } ?? "")
    }

    public func checkAvailability() async throws {
        if let live { return try await live.checkAvailability() }
        if await store.isEmpty {
            throw LLMError(.notRecorded, "llm.replay: \(store.directory.path) holds no recorded answers; record some first with llm.record")
        }
    }

    public func report(model: String, improved: Bool) {
        live?.report(model: model, improved: improved)
    }

    public func observeFaults(_ handler: @escaping @Sendable (LLMFault) async -> Void) {
        live?.observeFaults(handler)
    }

    public func chat(_ messages: [ChatMessage], options: GenerationOptions) async throws -> ChatResponse {
        let request = RecordedRequest(model: model, messages: messages, options: options)
        let key = request.key
        let answers = try await store.exchange(key)?.answers ?? []
        let index = served.withLock { counts -> Int in
            let index = counts[key, default: 0]
            counts[key] = index + 1
            return index
        }
        if index < answers.count { return answers[index].response }
        if let live { return try await live.chat(messages, options: options) }
        if !answers.isEmpty {
            throw LLMError(
                .notRecorded,
                "llm.replay: \(store.directory.path) holds \(answers.count) answer(s) to request \(key.prefix(16)), and the run asked it a time more; "
                    + "set llm.replay_fallthrough: true to ask the live model")
        }
        let closest = RequestDifference.closest(to: request, among: await store.all().map(\.request))
        throw LLMError(
            .notRecorded,
            "llm.replay: \(store.directory.path) holds no answer to request \(key.prefix(16)): \(closest); "
                + "set llm.replay_fallthrough: true to ask the live model")
    }
}
