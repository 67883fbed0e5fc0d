/// The run's model as the model gateway reaches it: the controller hands one in, made from the
/// run's own client (retries, faults, record and replay as for every other request), so that
/// the sandbox needs no model client and no key.
public protocol GatewayModel: Sendable {
    /// The names a request may give as `model`; a request that gives none gets the run's model.
    var names: [String] { get }
    /// The most answer tokens one request may ask for (`llm.max_tokens`).
    var maxTokens: Int { get }
    /// Asks the model; throws when it fails after the run's retries.
    func complete(_ request: GatewayCompletionRequest) async throws -> GatewayCompletion
}

/// One message of a chat-completions request.
public struct GatewayMessage: Sendable, Hashable {
    public enum Role: String, Sendable, Hashable { case system, user, assistant }
    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
}

/// What the gateway forwards of a request: the messages and the sampling settings it lets through.
public struct GatewayCompletionRequest: Sendable, Hashable {
    public var messages: [GatewayMessage]
    public var temperature: Double?
    public var topP: Double?
    public var seed: Int?
    /// At most what the request asked for, `maxTokens` and the tokens the evaluation has left.
    public var maxTokens: Int

    public init(messages: [GatewayMessage], temperature: Double? = nil, topP: Double? = nil, seed: Int? = nil, maxTokens: Int) {
        self.messages = messages
        self.temperature = temperature
        self.topP = topP
        self.seed = seed
        self.maxTokens = maxTokens
    }
}

/// The model's answer to one forwarded request.
public struct GatewayCompletion: Sendable, Hashable {
    public var text: String
    public var model: String
    /// The server's counts; nil when it gave none (the gateway then estimates them from the text).
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var finishReason: String?
    /// What the answer cost, when the model is priced.
    public var cost: Double?

    public init(text: String, model: String, promptTokens: Int? = nil, completionTokens: Int? = nil, finishReason: String? = nil, cost: Double? = nil) {
        self.text = text
        self.model = model
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.finishReason = finishReason
        self.cost = cost
    }
}
