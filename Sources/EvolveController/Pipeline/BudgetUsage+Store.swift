import EvolveCore
import EvolveDatabase

extension BudgetUsage {
    /// What a run used of its budget before this session: model calls and tokens from the stored
    /// attempts of the `finished` iterations, evaluator seconds from the stored programs (the
    /// starting program included). Read only when the run has a `budget`, since it reads every
    /// iteration's attempts.
    static func stored(in store: any ProgramStore, finished: Set<Int>, budget: RunBudget) async throws -> BudgetUsage {
        guard !budget.isUnlimited else { return BudgetUsage() }
        var usage = BudgetUsage()
        for iteration in finished {
            let attempts = try await store.attempts(iteration: iteration)
            usage.modelCalls += attempts.count
            usage.tokens += attempts.tokens
        }
        usage.evaluatorSeconds = try await store.allPrograms().filter { $0.origin != .migration }.reduce(0) { $0 + $1.evaluatorSeconds }
        return usage
    }
}

extension [AttemptRecord] {
    /// The prompt and completion tokens of these attempts (unknown counts as none).
    var tokens: Int {
        reduce(0) { $0 + ($1.promptTokens ?? 0) + ($1.completionTokens ?? 0) }
    }
}

extension PipelineState<Candidate> {
    /// Counts a piece of work that ended against the run's budget.
    mutating func used(by work: Work) {
        switch work {
        case .generated(let candidate):
            used(modelCalls: candidate.attempts.count, tokens: candidate.attempts.tokens)
        case .failed(let failure):
            used(modelCalls: failure.attempts.count, tokens: failure.attempts.tokens)
        case .evaluated(_, let result, let verification):
            used(evaluatorSeconds: result.duration + (verification?.duration ?? 0))
        case .evaluationError, .proposed, .abandoned:
            break
        }
    }
}
