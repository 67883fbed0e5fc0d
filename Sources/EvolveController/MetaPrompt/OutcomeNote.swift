import EvolveCore
import EvolveDatabase

/// One finished iteration, as the meta-prompt's diagnosis lists it and its variant is credited.
struct OutcomeNote: Sendable, Hashable {
    var iteration: Int
    var plan: IterationPlan
    var won: Bool
    /// What happened, in a few words: "beat its parent (120 → 130)", "failed: no_match: ...".
    var summary: String
}

extension OutcomeNote {
    /// The iteration a piece of work finished, or nil when it finished none (`finished`: the
    /// iterations finished now; a generated child is still on its way unless the filter refused it).
    init?(_ work: Work, finished: Set<Int>, goal: Goal) {
        switch work {
        case .generated(let candidate):
            guard finished.contains(candidate.iteration) else { return nil }
            self.init(iteration: candidate.iteration, plan: candidate.plan, won: false, summary: "a duplicate of an earlier program")
        case .failed(let failure):
            self.init(
                iteration: failure.iteration, plan: failure.plan, won: false,
                summary: "no child: \(failure.reason.code): \(failure.message.prefix(200))")
        case .evaluated(let candidate, let result, _):
            let parent = candidate.selection.parent
            let won = Self.beats(result, parent, goal: goal)
            self.init(iteration: candidate.iteration, plan: candidate.plan, won: won, summary: Self.summary(result, parent: parent, won: won))
        case .evaluationError(let candidate, let message):
            self.init(iteration: candidate.iteration, plan: candidate.plan, won: false, summary: "harness error: \(message.prefix(200))")
        case .proposed, .abandoned:
            return nil
        }
    }

    private static func beats(_ result: EvaluationResult, _ parent: Program, goal: Goal) -> Bool {
        guard result.isSuccess, let score = result.score else { return false }
        return parent.score.map { goal.isBetter(score, than: $0) } ?? true
    }

    private static func summary(_ result: EvaluationResult, parent: Program, won: Bool) -> String {
        guard result.isSuccess, let score = result.score else {
            return "failed (\(result.status.rawValue)): \((result.failureReason ?? "no reason given").prefix(200))"
        }
        let change = "(\(parent.score.map { "\($0)" } ?? "none") → \(score))"
        return won ? "beat its parent \(change)" : "did not beat its parent \(change)"
    }
}
