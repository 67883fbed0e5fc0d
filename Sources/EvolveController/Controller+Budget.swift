import EvolveCore
import EvolveDatabase

extension Controller {
    /// What the run used of its budget before this session: model calls and tokens from the
    /// stored attempts, evaluator seconds from the stored programs (the starting program included).
    /// Read only when the run has a budget, since it reads every iteration's attempts.
    func budgetUsage(finished: Set<Int>) async throws -> BudgetUsage {
        guard !settings.budget.isUnlimited else { return BudgetUsage() }
        var usage = BudgetUsage()
        for iteration in finished {
            let attempts = try await store.attempts(iteration: iteration)
            usage.modelCalls += attempts.count
            usage.tokens += attempts.reduce(0) { $0 + Self.tokens(of: $1) }
        }
        usage.evaluatorSeconds = try await store.allPrograms().filter { $0.origin != .migration }.reduce(0) { $0 + $1.evaluatorSeconds }
        return usage
    }

    /// Counts a piece of work that ended against the run's budget.
    func record(_ work: Work, in state: inout PipelineState<Candidate>) {
        switch work {
        case .generated(let candidate):
            state.used(modelCalls: candidate.attempts.count, tokens: candidate.attempts.reduce(0) { $0 + Self.tokens(of: $1) })
        case .failed(let failure):
            state.used(modelCalls: failure.attempts.count, tokens: failure.attempts.reduce(0) { $0 + Self.tokens(of: $1) })
        case .evaluated(_, let result, let verification):
            state.used(evaluatorSeconds: result.duration + (verification?.duration ?? 0))
        case .evaluationError, .proposed, .abandoned:
            break
        }
    }

    static func tokens(of attempt: AttemptRecord) -> Int {
        (attempt.promptTokens ?? 0) + (attempt.completionTokens ?? 0)
    }
}
