import EvolveCore

extension PipelineState {
    /// True once any limit of the run's budget (model calls, tokens, cost, evaluator seconds,
    /// wall clock) is reached. Model requests in flight count against the model-call limit, so
    /// concurrent requests never pass it.
    public var runBudgetReached: Bool {
        let budget = limits.budget
        if let calls = budget.modelCalls, usage.modelCalls + modelsInFlight >= calls { return true }
        if let tokens = budget.tokens, usage.tokens >= tokens { return true }
        if let cost = budget.cost, spent >= cost { return true }
        if let seconds = budget.evaluatorSeconds, usage.evaluatorSeconds >= seconds { return true }
        if let seconds = budget.wallClockSeconds, elapsedSeconds >= seconds { return true }
        return false
    }

    /// A generation ended after `calls` model calls that used `tokens` tokens.
    public mutating func used(modelCalls calls: Int, tokens: Int) {
        usage.modelCalls += calls
        usage.tokens += tokens
    }

    /// An evaluation took `seconds`.
    public mutating func used(evaluatorSeconds seconds: Double) {
        usage.evaluatorSeconds += max(0, seconds)
    }

    /// The session's wall clock so far.
    public mutating func clock(elapsed seconds: Double) {
        elapsedSeconds = seconds
    }

    /// The run stops, as `budgetSpent`, once its budget is reached and the work in flight is done.
    mutating func checkRunBudget() {
        if stop == nil, !limits.budget.isUnlimited, isIdle, runBudgetReached {
            requestStop(.budgetSpent)
        }
    }
}
