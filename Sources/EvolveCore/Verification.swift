/// What the honest verifiers found about a new best: its score evaluated again
/// (`evaluator.recheck`) and its held-out score (`evaluator.final`).
public struct Verification: Sendable, Hashable, Codable {
    /// One extra evaluation of the program.
    public struct Check: Sendable, Hashable, Codable {
        public var status: EvaluationResult.Status
        public var score: Double?
        public var failureReason: String?
        public var metrics: [String: JSONValue]
        public var duration: Double
        /// What this evaluation asked of the model through the gateway (`evaluator.model`).
        public var modelGateway: ModelGatewayUsage?

        public init(_ result: EvaluationResult) {
            modelGateway = result.modelGateway
            status = result.status
            score = result.isSuccess ? result.score : nil
            failureReason = result.failureReason
            metrics = result.metrics
            duration = result.duration
        }
    }

    /// The score the search saw.
    public var searchScore: Double
    /// The extra evaluations, in the order they ran.
    public var rechecks: [Check]
    /// The allowed distance of a recheck's score from the search score.
    public var tolerance: Double
    /// The held-out stage's evaluation, when `evaluator.final` is set.
    public var heldOut: Check?
    /// Whether the program was refused as unstable (`evaluator.refuse_unstable`).
    public var refused: Bool

    public init(searchScore: Double, rechecks: [Check], tolerance: Double, heldOut: Check?, refused: Bool = false) {
        self.searchScore = searchScore
        self.rechecks = rechecks
        self.tolerance = tolerance
        self.heldOut = heldOut
        self.refused = refused
    }

    /// The largest distance of a recheck's score from the search score; nil when no recheck succeeded.
    public var spread: Double? {
        rechecks.compactMap(\.score).map { abs($0 - searchScore) }.max()
    }

    /// Every recheck succeeded within the tolerance of the search score. A recheck the sandbox
    /// itself could not run says nothing about the program and is left out.
    public var isStable: Bool {
        rechecks.filter { $0.status != .sandboxError }.allSatisfy { check in check.score.map { abs($0 - searchScore) <= tolerance } ?? false }
    }

    /// The held-out score, when the held-out stage ran and scored.
    public var heldOutScore: Double? { heldOut?.score }

    /// Seconds the extra evaluations took.
    public var duration: Double { rechecks.map(\.duration).reduce(0, +) + (heldOut?.duration ?? 0) }

    /// What the extra evaluations asked of the model through the gateway; nil when none did.
    public var modelGateway: ModelGatewayUsage? {
        let all = (rechecks + [heldOut].compactMap { $0 }).compactMap(\.modelGateway)
        return all.isEmpty ? nil : all.dropFirst().reduce(all[0], +)
    }

    /// Why the program is unstable, in words for the record and the model; nil when it is stable.
    public var instability: String? {
        guard !isStable else { return nil }
        let seen = rechecks.map { check in check.score.map { "\($0)" } ?? check.status.rawValue }
        return "its score did not reproduce: the search saw \(searchScore), evaluated \(rechecks.count) more time"
            + (rechecks.count == 1 ? "" : "s") + " it gave \(seen.joined(separator: ", ")) (evaluator.recheck_tolerance \(tolerance))"
    }

    /// One line for people: "rechecked 2×, stable; held-out 0.87 (search 0.91)".
    public var summary: String {
        var parts: [String] = []
        if !rechecks.isEmpty {
            let spreadText = spread.map { $0 == 0 ? "identical scores" : "within \($0)" } ?? "no recheck scored"
            parts.append("rechecked \(rechecks.count)×, " + (isStable ? "stable (\(spreadText))" : "UNSTABLE (\(spreadText))")
                + (refused ? ", refused" : ""))
        }
        if let heldOut {
            parts.append("held-out " + (heldOut.score.map { "\($0)" } ?? heldOut.status.rawValue) + " (search \(searchScore))")
        }
        return parts.joined(separator: "; ")
    }
}
