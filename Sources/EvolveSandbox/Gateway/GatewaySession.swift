import EvolveCore
import Synchronization

/// One evaluation's account with the model gateway: what it may still spend, what it spent, and
/// what was refused. Requests from the evaluation's processes may arrive at once; admission
/// reserves a call and the most tokens the request can use, so that concurrent requests never
/// pass the budget together.
public final class GatewaySession: Sendable, Hashable {
    /// Requests forwarded at once for one evaluation; more are refused as `busy`.
    public static let concurrency = 4

    public let budget: EvaluatorModelConfiguration
    /// How the gateway answers this session's requests (the run's model, the scrubber).
    let exchange: GatewayExchange

    private struct State {
        var usage = ModelGatewayUsage()
        /// Calls admitted, answered or not: what the calls budget counts.
        var admitted = 0
        var inFlight = 0
        /// Tokens held for requests in flight.
        var reserved = 0
    }

    private let state = Mutex(State())

    init(budget: EvaluatorModelConfiguration, exchange: GatewayExchange) {
        self.budget = budget
        self.exchange = exchange
    }

    /// What the evaluation has used so far.
    public var usage: ModelGatewayUsage { state.withLock { $0.usage } }

    /// A request admitted: the answer tokens it may ask for, and what it holds of the budget.
    struct Admission: Sendable {
        var maxTokens: Int
        var reserved: Int
        var promptEstimate: Int
    }

    /// Admits a request whose prompt is about `promptEstimate` tokens and which asks for at most
    /// `requested` answer tokens (the model's `limit` when it does not say), or says why not.
    func admit(promptEstimate: Int, requested: Int?, limit: Int) -> Result<Admission, ModelGatewayUsage.Refusal> {
        state.withLock { state in
            if state.admitted >= budget.calls {
                return .failure(.init(
                    kind: .callsBudget,
                    message: "this evaluation's \(budget.calls) model calls are spent (evaluator.model.calls)"))
            }
            if state.inFlight >= Self.concurrency {
                return .failure(.init(
                    kind: .busy, message: "at most \(Self.concurrency) requests are forwarded at once for one evaluation; wait for an answer"))
            }
            let left = budget.tokens - state.usage.tokens - state.reserved
            let allowance = min(requested ?? limit, limit, left - promptEstimate)
            guard allowance >= 1 else {
                return .failure(.init(
                    kind: .tokensBudget,
                    message: "this evaluation has \(max(0, left)) of its \(budget.tokens) tokens left (evaluator.model.tokens), "
                        + "and the prompt alone is about \(promptEstimate)"))
            }
            state.admitted += 1
            state.inFlight += 1
            state.reserved += allowance + promptEstimate
            return .success(Admission(maxTokens: allowance, reserved: allowance + promptEstimate, promptEstimate: promptEstimate))
        }
    }

    /// Ends an admitted request: counts its answer's tokens and cost (estimated from the text when
    /// the server gave no counts), or nothing when the model failed. Returns the tokens counted.
    @discardableResult
    func finish(_ admission: Admission, with completion: GatewayCompletion?) -> Int {
        state.withLock { state in
            state.inFlight -= 1
            state.reserved -= admission.reserved
            guard let completion else { return 0 }
            let prompt = completion.promptTokens ?? admission.promptEstimate
            let answer = completion.completionTokens ?? Self.estimateTokens(completion.text)
            state.usage.calls += 1
            state.usage.promptTokens += prompt
            state.usage.completionTokens += answer
            state.usage.cost += completion.cost ?? 0
            return prompt + answer
        }
    }

    /// Records a refused request.
    func refuse(_ refusal: ModelGatewayUsage.Refusal) {
        state.withLock { $0.usage.refuse(refusal) }
    }

    /// What the evaluation has left: calls and tokens.
    var left: (calls: Int, tokens: Int) {
        state.withLock { (max(0, budget.calls - $0.admitted), max(0, budget.tokens - $0.usage.tokens - $0.reserved)) }
    }

    /// About 4 characters a token, as the run's own estimates.
    static func estimateTokens(_ text: String) -> Int { (text.utf8.count + 3) / 4 }

    public static func == (left: GatewaySession, right: GatewaySession) -> Bool { left === right }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
