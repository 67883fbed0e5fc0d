import Foundation

/// `llm.record`: passes every request to another client and keeps each answer in an
/// `AnswerStore`, under the key of the request (model, messages, sampling options).
public struct RecordingClient: LLMClient {
    public var inner: any LLMClient
    public var store: AnswerStore

    public init(_ inner: any LLMClient, store: AnswerStore) {
        self.inner = inner
        self.store = store
    }

    public var model: String { inner.model }
    public var endpoint: String { inner.endpoint }

    public func checkAvailability() async throws {
        try await inner.checkAvailability()
    }

    public func report(model: String, improved: Bool) {
        inner.report(model: model, improved: improved)
    }

    public func observeFaults(_ handler: @escaping @Sendable (LLMFault) async -> Void) {
        inner.observeFaults(handler)
    }

    public func chat(_ messages: [ChatMessage], options: GenerationOptions) async throws -> ChatResponse {
        let response = try await inner.chat(messages, options: options)
        try await store.append(RecordedAnswer(response), for: RecordedRequest(model: inner.model, messages: messages, options: options))
        return response
    }
}
