import Foundation
import Synchronization

/// How many tokens a prompt may fill: the model's context (`llm.context_length`) minus the
/// tokens kept for the answer (`llm.max_tokens`). Tokens are estimated from the messages' UTF-8
/// bytes with a ratio that the server's own counts refine (`TokenCalibration`): asking the server
/// to tokenize every prompt would cost a request per prompt.
public struct PromptBudget: Sendable {
    public var contextLength: Int
    public var answerTokens: Int
    public let calibration: TokenCalibration
    /// Tokens a chat template adds around each message (role markers), generously.
    public static let tokensPerMessage = 8

    public init(contextLength: Int, answerTokens: Int, calibration: TokenCalibration = TokenCalibration()) {
        self.contextLength = contextLength
        self.answerTokens = answerTokens
        self.calibration = calibration
    }

    /// The most tokens the prompt may have.
    public var limit: Int { max(0, contextLength - answerTokens) }

    /// The estimated number of tokens of these messages.
    public func tokens(_ messages: [ChatMessage]) -> Int {
        let bytes = messages.reduce(0) { $0 + $1.content.utf8.count }
        return Int((Double(bytes) / calibration.bytesPerToken).rounded(.up)) + messages.count * Self.tokensPerMessage
    }
}

/// The bytes-per-token ratio of the run's model, learned from the prompt token counts the server
/// reports. Until a count arrives it is 3.0, below what the bundled model's tokenizer (Qwen2.5)
/// counts on our prompts (4.0), the examples' programs (3.64; 3.14 on the densest) and the
/// README (3.75), so a first estimate errs toward a shorter prompt.
///
/// The ratio is the lowest of the last 16 plausible samples (1 to 8 bytes a token): a server that
/// reuses a cached prompt prefix may report fewer prompt tokens than the prompt has, which would
/// make the ratio look higher than it is, never lower.
public final class TokenCalibration: Sendable {
    public static let initialBytesPerToken = 3.0
    static let samplesKept = 16
    private let samples = Mutex<[Double]>([])

    public init() {}

    public var bytesPerToken: Double {
        samples.withLock { $0.min() } ?? Self.initialBytesPerToken
    }

    /// Learns from a prompt of `bytes` UTF-8 bytes that the server counted as `tokens` tokens.
    public func record(bytes: Int, tokens: Int) {
        guard tokens > 0 else { return }
        let ratio = Double(bytes) / Double(tokens)
        guard (1.0...8.0).contains(ratio) else { return }
        samples.withLock {
            $0.append(ratio)
            if $0.count > Self.samplesKept { $0.removeFirst() }
        }
    }
}

/// A prompt ready to send, with what was left out to fit the budget.
public struct BuiltPrompt: Sendable, Hashable {
    public var messages: [ChatMessage]
    /// What was left out, in words (`2 previous attempts`, ...), least important first; empty when everything fit.
    public var trimmed: [String]
    /// The estimated tokens of `messages` and the budget's limit; the estimate exceeds the limit
    /// only when the current program and the task alone do.
    public var estimatedTokens: Int
    public var tokenLimit: Int
}

extension PromptBuilder {
    /// Refines the token estimate from the server's count of a prompt it answered (when counted, not estimated).
    public func calibrate(_ messages: [ChatMessage], with response: ChatResponse) {
        // The count includes the chat template's tokens: the ratio comes out a little low, on the safe side.
        guard !response.tokensEstimated, let tokens = response.promptTokens else { return }
        budget.calibration.record(bytes: messages.reduce(0) { $0 + $1.content.utf8.count }, tokens: tokens)
    }
}
