/// `evaluator.model`: the model gateway an evaluator may call (off unless given), and what one
/// evaluation may spend through it.
///
/// When set, each evaluation gets a unix socket that speaks the OpenAI chat-completions API to the
/// run's own model (see docs/gateway.md). The sandbox keeps no network; the socket is the only
/// way out, and the run's API keys stay on the host.
public struct EvaluatorModelConfiguration: Sendable, Hashable, Codable {
    /// Chat completions one evaluation (all of its cascade stages) may ask for.
    public var calls: Int
    /// Prompt and answer tokens one evaluation may use, as the server counts them.
    public var tokens: Int

    public init(calls: Int = 20, tokens: Int = 20_000) {
        self.calls = calls
        self.tokens = tokens
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case calls, tokens }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        let d = Self()
        self.init(calls: try c.value(.calls, default: d.calls), tokens: try c.value(.tokens, default: d.tokens))
        try c.require((1...100_000).contains(calls), .calls, "calls is how many chat completions one evaluation may ask for: 1 to 100000")
        try c.require(tokens >= 1, .tokens, "tokens is how many prompt and answer tokens one evaluation may use: at least 1")
    }
}
