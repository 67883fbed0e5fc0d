import EvolveCore
import EvolveDatabase

extension BudgetUsage {
    /// What a run used of its budget before this session: model calls and tokens from the stored
    /// attempts of the `finished` iterations and from the evaluators' calls through the model
    /// gateway, evaluator seconds from the stored programs (the starting program included). Read only when the run has a `budget`, since it reads every
    /// iteration's attempts.
    static func stored(in store: any ProgramStore, finished: Set<Int>, budget: RunBudget) async throws -> BudgetUsage {
        guard !budget.isUnlimited else { return BudgetUsage() }
        var usage = BudgetUsage()
        for iteration in finished {
            let attempts = try await store.attempts(iteration: iteration)
            usage.modelCalls += attempts.count
            usage.tokens += attempts.tokens
        }
        let evaluated = try await store.allPrograms().filter { $0.origin != .migration }
        usage.evaluatorSeconds = evaluated.reduce(0) { $0 + $1.evaluatorSeconds }
        // Evaluators' calls through the model gateway (`evaluator.model`) count as the run's model calls.
        for gateway in evaluated.compactMap(\.modelGateway) {
            usage.modelCalls += gateway.calls
            usage.tokens += gateway.tokens
        }
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
            let gateway = [result.modelGateway, verification?.modelGateway].compactMap { $0 }
            used(modelCalls: gateway.reduce(0) { $0 + $1.calls }, tokens: gateway.reduce(0) { $0 + $1.tokens })
        case .evaluationError, .proposed, .abandoned:
            break
        }
    }
}
