import EvolveCore
import Foundation

/// The model gateway for evaluators (`evaluator.model`): each evaluation gets a unix socket,
/// served by this process, that speaks the OpenAI chat-completions API to the run's model under
/// the evaluation's budget. The sandbox keeps no network; the socket is bound into it
/// (`/run/evolve/model.sock` in the gVisor backend) and named in its environment.
///
/// What passes is `POST /v1/chat/completions`, non-streaming, to the run's model, with no key of
/// the candidate's own, while the evaluation has calls and tokens left (see `GatewayExchange`).
/// The request is made on the host through the run's client, so the run's key never enters the
/// sandbox, and retries and faults are the run's.
public struct ModelGateway: Sendable {
    /// Where the socket is inside a container sandbox.
    public static let socketDirectory = "/run/evolve"
    public static let socketName = "model.sock"
    /// The longest request body the gateway reads.
    public static let bodyLimit = 256 << 10

    public var model: any GatewayModel
    public var budget: EvaluatorModelConfiguration
    /// Takes the run's key values out of what goes back into the sandbox.
    public var scrubber: SecretScrubber

    public init(model: any GatewayModel, budget: EvaluatorModelConfiguration, scrubber: SecretScrubber = .none) {
        self.model = model
        self.budget = budget
        self.scrubber = scrubber
    }

    var exchange: GatewayExchange { GatewayExchange(model: model, scrubber: scrubber) }

    /// A session for one evaluation: its budget, its account.
    public func session() -> GatewaySession { GatewaySession(budget: budget, exchange: exchange) }
}

extension GatewaySession {
    /// The evaluator's environment when the socket is at `socket`: `EVOLVE_MODEL_SOCKET`, an
    /// OpenAI-style base URL to use over it (`EVOLVE_MODEL_BASE_URL`), the model's name
    /// (`EVOLVE_MODEL`) and the budget (`EVOLVE_MODEL_CALLS`, `EVOLVE_MODEL_TOKENS`). No key.
    func variables(socket: String) -> [String: String] {
        [
            "EVOLVE_MODEL_SOCKET": socket,
            "EVOLVE_MODEL_BASE_URL": "http://evolve-gateway/v1",
            "EVOLVE_MODEL": exchange.model.names.first ?? "",
            "EVOLVE_MODEL_CALLS": "\(budget.calls)",
            "EVOLVE_MODEL_TOKENS": "\(budget.tokens)",
        ]
    }
}
