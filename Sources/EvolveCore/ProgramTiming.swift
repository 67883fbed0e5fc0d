import Foundation

/// When a child passed each stage of the pipeline, in seconds since 1970: its model call (from the
/// moment a model slot took the iteration to the applied answer), its wait for an evaluation slot,
/// its evaluation (verification included) and its wait for the commit. Stored with the program,
/// so that a run's slot occupancy and queue waits can be read back afterwards.
public struct ProgramTiming: Sendable, Hashable, Codable {
    public var generationStarted: Double
    public var generated: Double
    public var evaluationStarted: Double?
    public var evaluated: Double?
    /// When the commit began (the program is stored right after).
    public var commitStarted: Double?

    public init(
        generationStarted: Double, generated: Double, evaluationStarted: Double? = nil, evaluated: Double? = nil,
        commitStarted: Double? = nil
    ) {
        self.generationStarted = generationStarted
        self.generated = generated
        self.evaluationStarted = evaluationStarted
        self.evaluated = evaluated
        self.commitStarted = commitStarted
    }

    public static var now: Double { Date().timeIntervalSince1970 }

    /// This timing with the commit starting now.
    public func commitStarting() -> ProgramTiming {
        var copy = self
        copy.commitStarted = Self.now
        return copy
    }

    public var generationSeconds: Double { generated - generationStarted }
    /// Seconds the child waited for an evaluation slot.
    public var evaluationWaitSeconds: Double? { evaluationStarted.map { $0 - generated } }
    public var evaluationSeconds: Double? { evaluationStarted.flatMap { start in evaluated.map { $0 - start } } }
    /// Seconds between the end of the evaluation and the start of the commit (the pipeline's own delay).
    public var commitWaitSeconds: Double? { evaluated.flatMap { end in commitStarted.map { $0 - end } } }
}

/// Which of a run's two kinds of slot held it back, from how busy each was (shares 0…1) and how
/// long children waited for an evaluation slot on average: "evaluator" when evaluation slots were
/// at least 80% busy, children waited a second or more and model slots were under 80% busy;
/// "model" when model slots were at least 80% busy and evaluation slots under half; else nil.
public func slotBottleneck(model: Double, evaluation: Double, meanEvaluationWait: Double) -> String? {
    if evaluation >= 0.8, meanEvaluationWait >= 1, model < 0.8 { return "evaluator" }
    if model >= 0.8, evaluation < 0.5 { return "model" }
    return nil
}

/// How busy a run's model and evaluation slots were, from its children's stage times: shares
/// (0…1) of slots × seconds from the first child's model call to the last child's commit (a
/// resumed run's pauses included), and how long children waited for an evaluation slot.
public struct SlotShares: Sendable, Hashable, Codable {
    public var seconds: Double
    public var model: Double
    public var evaluation: Double
    public var meanEvaluationWait: Double
    public var maxEvaluationWait: Double

    public init(_ timings: [ProgramTiming], modelSlots: Int, evaluationSlots: Int) {
        let start = timings.map(\.generationStarted).min() ?? 0
        let end = timings.compactMap { $0.commitStarted ?? $0.evaluated }.max() ?? start
        seconds = max(0, end - start)
        model = Self.share(timings.reduce(0) { $0 + $1.generationSeconds }, modelSlots, seconds)
        evaluation = Self.share(timings.reduce(0) { $0 + ($1.evaluationSeconds ?? 0) }, evaluationSlots, seconds)
        let waits = timings.compactMap(\.evaluationWaitSeconds)
        meanEvaluationWait = waits.isEmpty ? 0 : waits.reduce(0, +) / Double(waits.count)
        maxEvaluationWait = waits.max() ?? 0
    }

    /// "model", "evaluator" or nil (see `slotBottleneck`).
    public var bottleneck: String? {
        slotBottleneck(model: model, evaluation: evaluation, meanEvaluationWait: meanEvaluationWait)
    }

    /// `busy` seconds as a share of `slots` × `seconds`.
    public static func share(_ busy: Double, _ slots: Int, _ seconds: Double) -> Double {
        slots > 0 && seconds > 0 ? min(1, busy / (Double(slots) * seconds)) : 0
    }
}
