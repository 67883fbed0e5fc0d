import EvolveCore
import EvolveLLM

/// Why an answer did not become a child.
struct Rejection: Error {
    var reason: FailureReason
    var message: String

    static func tooLong(_ message: String) -> Rejection { Rejection(reason: .tooLong, message: message) }

    init(reason: FailureReason, message: String) {
        self.reason = reason
        self.message = message
    }

    /// A rejection of an answer the server stopped at the token limit is one of kind `truncated`:
    /// what broke is that the answer never ended, and the model is asked for a shorter one
    /// rather than to mend text it did not finish.
    func cutOff(by response: ChatResponse, limit: Int) -> Rejection {
        guard response.finishReason == "length", case .rejected = reason else { return self }
        return Rejection(
            reason: .rejected(.truncated),
            message: "The answer reached the token limit (\(limit) tokens, llm.max_tokens) before it ended, so it could not be used (\(message)). "
                + "Answer more briefly: only the change, once, without explanations.")
    }

    init(_ error: any Error) {
        switch error {
        case let rejection as Rejection: self = rejection
        case let rejection as MutationRejection: self.init(reason: .rejected(rejection.kind), message: rejection.message)
        default: self.init(reason: .rejected(.malformedBlock), message: "\(error)")
        }
    }
}
