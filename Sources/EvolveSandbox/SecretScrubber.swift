import EvolveCore
import Foundation

/// Replaces every secret Evolve holds (API key values) with `[redacted]` in what an evaluation
/// produced, before it is stored, shown or sent to a model in the next prompt.
///
/// Values shorter than `minimumLength` are not scrubbed: a placeholder key such as `ollama`
/// would blank out ordinary words. An output tail that begins inside a secret (the rest was cut
/// off) loses that beginning too.
public struct SecretScrubber: Sendable, Hashable {
    public static let replacement = "[redacted]"
    public static let minimumLength = 8
    /// The shortest end of a secret that is scrubbed at the start of a tail.
    static let minimumOverlap = 6

    /// Longest first, so that a secret containing another is replaced whole.
    public let secrets: [String]

    public init(secrets: some Sequence<String>) {
        self.secrets = Array(Set(secrets.filter { $0.count >= Self.minimumLength })).sorted { ($0.count, $0) > ($1.count, $1) }
    }

    public static let none = SecretScrubber(secrets: [])

    /// The values of the API key variables a configuration names (`llm.api_key_env`, each
    /// ensemble member's `api_key_env`, and `OPENAI_API_KEY`), as set in `environment`.
    public init(llm: LLMConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let names = Set([llm.apiKeyEnv, "OPENAI_API_KEY"] + llm.models.compactMap(\.apiKeyEnv))
        self.init(secrets: names.compactMap { environment[$0] })
    }

    public func scrub(_ text: String) -> String {
        guard !secrets.isEmpty else { return text }
        var text = text
        for secret in secrets where text.contains(secret) {
            text = text.replacingOccurrences(of: secret, with: Self.replacement)
        }
        return text
    }

    /// `scrub`, and a tail's first characters when they are the end of a secret.
    public func scrubTail(_ text: String) -> String {
        var text = scrub(text)
        for secret in secrets {
            let longest = min(secret.count - 1, text.count)
            guard longest >= Self.minimumOverlap else { continue }
            if let overlap = (Self.minimumOverlap...longest).reversed().first(where: { text.hasPrefix(secret.suffix($0)) }) {
                text = Self.replacement + String(text.dropFirst(overlap))
                break
            }
        }
        return text
    }

    public func scrub(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): return .string(scrub(text))
        case .array(let items): return .array(items.map { scrub($0) })
        case .object(let members): return .object(scrub(members))
        case .null, .bool, .number: return value
        }
    }

    func scrub(_ members: [String: JSONValue]) -> [String: JSONValue] {
        Dictionary(members.map { (scrub($0.key), scrub($0.value)) }, uniquingKeysWith: { first, _ in first })
    }

    /// The result with every secret scrubbed from its tails, failure reason, metrics and artifacts.
    public func scrub(_ result: EvaluationResult) -> EvaluationResult {
        guard !secrets.isEmpty else { return result }
        var result = result
        result.stdoutTail = scrubTail(result.stdoutTail)
        result.stderrTail = scrubTail(result.stderrTail)
        result.failureReason = result.failureReason.map { scrub($0) }
        result.metrics = scrub(result.metrics)
        result.artifacts = scrub(result.artifacts)
        result.features = Dictionary(result.features.map { (scrub($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
        return result
    }
}
