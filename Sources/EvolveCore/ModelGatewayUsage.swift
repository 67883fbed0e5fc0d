import Foundation

/// What an evaluation asked of the run's model through the model gateway (`evaluator.model`):
/// the calls it made, their tokens and cost, and every request the gateway refused, with why.
/// Stored with the evaluated program and counted in the run's cost and budgets.
public struct ModelGatewayUsage: Sendable, Hashable, Codable {
    /// Why the gateway refused a request: a closed set, each with the HTTP status it answered.
    public enum RefusalKind: String, Sendable, Hashable, Codable, CaseIterable {
        /// A path other than `/v1/chat/completions` (404).
        case path
        /// A method other than POST (405).
        case method
        /// A `model` other than the run's (404).
        case model
        /// `stream: true`, `n` above 1, tools or anything else the gateway does not forward (400).
        case unsupported
        /// An `Authorization` or API-key header carrying a key of its own (401): the run's keys stay on the host.
        case credentials
        /// A body longer than the gateway reads (413).
        case tooLarge = "too_large"
        /// A body that is not a chat-completions request (400).
        case badRequest = "bad_request"
        /// The evaluation's calls are spent (429).
        case callsBudget = "calls_budget"
        /// The evaluation's tokens are spent (429).
        case tokensBudget = "tokens_budget"
        /// More requests at once than the gateway forwards for one evaluation (429).
        case busy
        /// The model failed after the run's own retries (502).
        case modelError = "model_error"

        /// The HTTP status the gateway answers with.
        public var status: Int {
            switch self {
            case .path, .model: return 404
            case .method: return 405
            case .unsupported, .badRequest: return 400
            case .credentials: return 401
            case .tooLarge: return 413
            case .callsBudget, .tokensBudget, .busy: return 429
            case .modelError: return 502
            }
        }
    }

    /// One refused request.
    public struct Refusal: Error, Sendable, Hashable, Codable {
        public var kind: RefusalKind
        public var message: String

        public init(kind: RefusalKind, message: String) {
            self.kind = kind
            self.message = message
        }
    }

    /// The most refusals kept with one evaluation; `refused` counts them all.
    public static let keptRefusals = 20

    /// Chat completions the model answered.
    public var calls: Int
    public var promptTokens: Int
    public var completionTokens: Int
    /// What the answers cost, when the run's models are priced.
    public var cost: Double
    /// Requests the gateway refused, all of them.
    public var refused: Int
    /// The first `keptRefusals` of them.
    public var refusals: [Refusal]

    public init(calls: Int = 0, promptTokens: Int = 0, completionTokens: Int = 0, cost: Double = 0, refused: Int = 0, refusals: [Refusal] = []) {
        self.calls = calls
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cost = cost
        self.refused = refused
        self.refusals = refusals
    }

    /// Prompt and answer tokens together: what the `tokens` budgets count.
    public var tokens: Int { promptTokens + completionTokens }

    /// Counts a refused request, keeping its reason while fewer than `keptRefusals` are kept.
    public mutating func refuse(_ refusal: Refusal) {
        refused += 1
        if refusals.count < Self.keptRefusals { refusals.append(refusal) }
    }

    /// Both usages together (an evaluation and its verification's evaluations).
    public static func + (left: Self, right: Self) -> Self {
        var sum = left
        sum.calls += right.calls
        sum.promptTokens += right.promptTokens
        sum.completionTokens += right.completionTokens
        sum.cost += right.cost
        for refusal in right.refusals { sum.refuse(refusal) }
        sum.refused = left.refused + right.refused
        return sum
    }

    /// One line for people: "3 calls, 1240 tokens; 2 refused (calls_budget)".
    public var summary: String {
        var text = "\(calls) call\(calls == 1 ? "" : "s"), \(tokens) tokens"
        if cost > 0 { text += String(format: ", $%.4f", cost) }
        if refused > 0 {
            let kinds = Array(Set(refusals.map(\.kind.rawValue))).sorted().joined(separator: ", ")
            text += "; \(refused) refused (\(kinds))"
        }
        return text
    }
}
