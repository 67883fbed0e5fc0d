import EvolveCore
import Foundation

/// What decides a model's answer: the model, the messages and the sampling options that change
/// the answer (temperature, top_p, seed, max_tokens). The answer form (`search.mode`) is part of
/// the messages, since the prompt asks for it. Its `key` names the answers in an `AnswerStore`.
public struct RecordedRequest: Sendable, Hashable, Codable {
    public var model: String
    public var messages: [ChatMessage]
    public var temperature: Double
    public var topP: Double?
    public var seed: Int?
    public var maxTokens: Int

    public init(model: String, messages: [ChatMessage], options: GenerationOptions) {
        self.model = model
        self.messages = messages
        temperature = options.temperature
        topP = options.topP
        seed = options.seed
        maxTokens = options.maxTokens
    }

    enum CodingKeys: String, CodingKey {
        case model, messages, temperature, seed
        case topP = "top_p"
        case maxTokens = "max_tokens"
    }

    /// The SHA-256 of the request's canonical JSON (sorted keys, no whitespace), in hex.
    public var key: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let canonical = (try? encoder.encode(self)) ?? Data()
        return SHA256Digest.hex(canonical)
    }
}

/// One recorded answer: what `chat` returned.
public struct RecordedAnswer: Sendable, Hashable, Codable {
    public var text: String
    public var model: String
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var tokensEstimated: Bool?
    /// Seconds the live model took.
    public var duration: Double
    public var finishReason: String?
    public var cost: Double?

    public init(_ response: ChatResponse) {
        text = response.text
        model = response.model
        promptTokens = response.promptTokens
        completionTokens = response.completionTokens
        tokensEstimated = response.tokensEstimated ? true : nil
        duration = response.duration
        finishReason = response.finishReason
        cost = response.cost
    }

    enum CodingKeys: String, CodingKey {
        case text, model, duration, cost
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case tokensEstimated = "tokens_estimated"
        case finishReason = "finish_reason"
    }

    public var response: ChatResponse {
        var response = ChatResponse(
            text: text, model: model, promptTokens: promptTokens, completionTokens: completionTokens, duration: duration,
            finishReason: finishReason, tokensEstimated: tokensEstimated ?? false)
        response.cost = cost
        return response
    }
}

/// The file of one key: the request and every answer given to it, in the order they came.
public struct RecordedExchange: Sendable, Hashable, Codable {
    public var request: RecordedRequest
    public var answers: [RecordedAnswer]

    public init(request: RecordedRequest, answers: [RecordedAnswer] = []) {
        self.request = request
        self.answers = answers
    }
}
