import EvolveCore
import Foundation

/// How busy the run's model and evaluation slots were, from what each piece of work took, and
/// which of the two held the run back.
public struct SlotOccupancy: Sendable, Hashable {
    /// Seconds model slots spent on generations (every iteration's calls, whatever came of them).
    public var modelBusySeconds = 0.0
    /// Seconds evaluation slots spent evaluating.
    public var evaluationBusySeconds = 0.0
    /// Seconds children waited for an evaluation slot, in all, and how many children.
    public var evaluationWaitSeconds = 0.0
    public var evaluatedChildren = 0

    public init() {}

    mutating func generated(_ seconds: Double) { modelBusySeconds += max(0, seconds) }

    mutating func evaluated(_ timing: ProgramTiming) {
        evaluationBusySeconds += max(0, timing.evaluationSeconds ?? 0)
        evaluationWaitSeconds += max(0, timing.evaluationWaitSeconds ?? 0)
        evaluatedChildren += 1
    }

    /// The share of `slots` × `seconds` the model slots were busy (0…1).
    public func model(slots: Int, over seconds: Double) -> Double { SlotShares.share(modelBusySeconds, slots, seconds) }
    public func evaluation(slots: Int, over seconds: Double) -> Double { SlotShares.share(evaluationBusySeconds, slots, seconds) }
    public var meanEvaluationWait: Double { evaluatedChildren == 0 ? 0 : evaluationWaitSeconds / Double(evaluatedChildren) }

    /// One line for the end of a run: both occupancies, the mean wait for an evaluation slot, and
    /// the bottleneck when one is clear.
    public func summary(modelSlots: Int, evaluationSlots: Int, over seconds: Double) -> String {
        let model = model(slots: modelSlots, over: seconds)
        let evaluation = evaluation(slots: evaluationSlots, over: seconds)
        var line = "slots busy: model \(Self.percent(model)) of \(modelSlots), evaluation \(Self.percent(evaluation)) of \(evaluationSlots);"
            + " children waited \(String(format: "%.2f", meanEvaluationWait)) s on average for an evaluation slot"
        switch slotBottleneck(model: model, evaluation: evaluation, meanEvaluationWait: meanEvaluationWait) {
        case "evaluator"?: line += " — the evaluator is the bottleneck (more sandbox.concurrency, or a faster evaluator)"
        case "model"?: line += " — the model is the bottleneck"
        default: break
        }
        return line
    }

    static func percent(_ share: Double) -> String { "\(Int((share * 100).rounded()))%" }
}
