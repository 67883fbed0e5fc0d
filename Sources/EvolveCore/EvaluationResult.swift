import Foundation

/// What happened when a candidate was evaluated. A failed evaluation is a normal result, not a throw.
public struct EvaluationResult: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        /// The evaluator reported a finite score.
        case success
        /// The evaluator ran but its report was missing or unusable (no JSON, no score, NaN, ...).
        case invalidResult = "invalid_result"
        /// The evaluator exited with a non-zero status or was killed by a signal.
        case crashed
        /// The wall clock ran out and the sandbox killed the evaluation.
        case timeout
        /// A cascade stage scored below its threshold, so later stages did not run.
        case belowThreshold = "below_threshold"
        /// The sandbox itself could not run the evaluation.
        case sandboxError = "sandbox_error"
        /// A would-be best whose score did not reproduce when evaluated again (`evaluator.recheck`),
        /// refused because `evaluator.refuse_unstable` is set.
        case unstable
    }

    public var status: Status
    /// The score; present exactly when `status == .success` or `.belowThreshold`.
    public var score: Double?
    /// Why the evaluation failed, in words that can go back to the model.
    public var failureReason: String?
    public var metrics: [String: JSONValue]
    public var features: [String: Double]
    public var artifacts: [String: JSONValue]
    /// The last part of the evaluator's standard output and standard error (capped).
    public var stdoutTail: String
    public var stderrTail: String
    /// Wall-clock seconds spent evaluating, over all stages.
    public var duration: Double
    /// The name of the last stage that ran.
    public var stage: String?
    /// What the evaluator asked of the run's model through the model gateway; nil when
    /// `evaluator.model` is off.
    public var modelGateway: ModelGatewayUsage?

    public init(
        status: Status,
        score: Double? = nil,
        failureReason: String? = nil,
        metrics: [String: JSONValue] = [:],
        features: [String: Double] = [:],
        artifacts: [String: JSONValue] = [:],
        stdoutTail: String = "",
        stderrTail: String = "",
        duration: Double = 0,
        stage: String? = nil
    ) {
        self.status = status
        self.score = score
        self.failureReason = failureReason
        self.metrics = metrics
        self.features = features
        self.artifacts = artifacts
        self.stdoutTail = stdoutTail
        self.stderrTail = stderrTail
        self.duration = duration
        self.stage = stage
    }

    public var isSuccess: Bool { status == .success }

    public static func failure(_ status: Status, _ reason: String, duration: Double = 0) -> Self {
        EvaluationResult(status: status, failureReason: reason, duration: duration)
    }
}
