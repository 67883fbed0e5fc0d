/// Why an iteration ended without a child to evaluate, or why a child was not evaluated.
///
/// Stored (attempt kinds, the event log, `evolve best`) under `code`: the rejection kind
/// (`no_match`, `ambiguous`, ...), `model_error`, `duplicate`, `too_similar`, `too_long` or `harness_error`.
public enum FailureReason: Sendable, Hashable {
    /// The answer could not be applied.
    case rejected(MutationRejection.Kind)
    /// The model request failed; `code` is the client's error code (`timeout`, `http_500`, ...), when known.
    case modelError(code: String?)
    /// The child's code had been evaluated before, or is being evaluated.
    case duplicate
    /// The child is too similar to a program on its island (`search.novelty`).
    case tooSimilar
    /// The child is longer than `search.max_code_length`.
    case tooLong
    /// Evolve itself failed (not the model, not the candidate).
    case harnessError

    public var code: String {
        switch self {
        case .rejected(let kind): return kind.rawValue
        case .modelError: return "model_error"
        case .duplicate: return "duplicate"
        case .tooSimilar: return "too_similar"
        case .tooLong: return "too_long"
        case .harnessError: return "harness_error"
        }
    }

    /// The reason stored under `code` (a model error's own code is not kept in the string).
    public init(code: String) {
        switch code {
        case "model_error": self = .modelError(code: nil)
        case "duplicate": self = .duplicate
        case "too_similar": self = .tooSimilar
        case "too_long": self = .tooLong
        case "harness_error": self = .harnessError
        default: self = MutationRejection.Kind(rawValue: code).map(FailureReason.rejected) ?? .harnessError
        }
    }
}

extension FailureReason: Codable {
    public init(from decoder: any Decoder) throws {
        self.init(code: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }
}

extension FailureReason: CustomStringConvertible {
    public var description: String { code }
}
