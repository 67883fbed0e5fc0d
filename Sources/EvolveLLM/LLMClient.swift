import EvolveCore
import Foundation

public struct ChatMessage: Sendable, Hashable, Codable {
    public enum Role: String, Sendable, Hashable, Codable { case system, user, assistant }
    public var role: Role
    public var content: String

    public init(_ role: Role, _ content: String) {
        self.role = role
        self.content = content
    }
}

/// Sampling settings for one request.
public struct GenerationOptions: Sendable, Hashable {
    public var temperature: Double
    public var topP: Double?
    public var seed: Int?
    public var contextLength: Int
    public var maxTokens: Int

    public init(temperature: Double = 0.7, topP: Double? = nil, seed: Int? = nil, contextLength: Int = 8192, maxTokens: Int = 2048) {
        self.temperature = temperature
        self.topP = topP
        self.seed = seed
        self.contextLength = contextLength
        self.maxTokens = maxTokens
    }

    public init(_ configuration: LLMConfiguration) {
        self.init(
            temperature: configuration.temperature, topP: configuration.topP, seed: configuration.seed,
            contextLength: configuration.contextLength, maxTokens: configuration.maxTokens)
    }
}

public struct ChatResponse: Sendable, Hashable {
    public var text: String
    public var model: String
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// Seconds from sending the request to the last byte of the answer.
    public var duration: Double
    /// Why generation stopped, as the server says (`stop`, `length`, ...).
    public var finishReason: String?
    /// What the answer cost, when prices are configured.
    public var cost: Double?
    /// The token counts are an estimate from the text's length: the server reported none and has no tokenizer endpoint.
    public var tokensEstimated: Bool

    public init(
        text: String, model: String, promptTokens: Int? = nil, completionTokens: Int? = nil, duration: Double, finishReason: String? = nil,
        tokensEstimated: Bool = false
    ) {
        self.text = text
        self.model = model
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.duration = duration
        self.finishReason = finishReason
        self.tokensEstimated = tokensEstimated
    }
}

/// A language model reached over the network.
public protocol LLMClient: Sendable {
    /// The model's name, recorded with every program it writes.
    var model: String { get }
    /// Where the model is served, for messages.
    var endpoint: String { get }
    /// Checks within seconds that the server answers and has the model; throws an `LLMError` that says what to do.
    func checkAvailability() async throws
    func chat(_ messages: [ChatMessage], options: GenerationOptions) async throws -> ChatResponse
    /// Learns whether a child written by `model` scored better than its parent (ensembles use it).
    func report(model: String, improved: Bool)
    /// Hands `handler` the faults the client gets past by itself (an ensemble's failover to another
    /// member); a wrapper (recording, replaying, retrying) passes it to the client it wraps.
    func observeFaults(_ handler: @escaping @Sendable (LLMFault) async -> Void)
}

extension LLMClient {
    public func report(model: String, improved: Bool) {}
    public func observeFaults(_ handler: @escaping @Sendable (LLMFault) async -> Void) {}
}

/// A model request failed (the harness, not the candidate).
public struct LLMError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, Codable {
        case unreachable
        case modelNotFound = "model_not_found"
        case httpStatus = "http_status"
        case timeout
        case malformedResponse = "malformed_response"
        case emptyAnswer = "empty_answer"
        /// Replay (`llm.replay`) met a request its store does not hold.
        case notRecorded = "not_recorded"
        /// Recording (`llm.record`) could not write an answer to its store.
        case recordingFailed = "recording_failed"
    }

    public var code: Code
    public var message: String
    /// The HTTP status, when the server answered with an error.
    public var status: Int?
    /// Seconds the server asked to wait before trying again (`Retry-After`).
    public var retryAfter: Double?

    public init(_ code: Code, _ message: String, status: Int? = nil, retryAfter: Double? = nil) {
        self.code = code
        self.message = message
        self.status = status
        self.retryAfter = retryAfter
    }

    /// Whether trying the same request again may succeed: connection errors, timeouts, cut-off or
    /// empty answers, 5xx, 408 and 429. Other 4xx (a bad key, an unknown model) cannot.
    public var isTransient: Bool {
        switch code {
        case .unreachable, .timeout, .malformedResponse, .emptyAnswer: return true
        case .modelNotFound, .notRecorded, .recordingFailed: return false
        case .httpStatus:
            guard let status else { return true }
            return status >= 500 || status == 408 || status == 429
        }
    }

    /// A short name for counting faults: `timeout`, `http_503`, `http_429`, `unreachable`, ...
    public var faultKind: String {
        if code == .httpStatus, let status { return "http_\(status)" }
        return code.rawValue
    }

    public var description: String { message }
}
