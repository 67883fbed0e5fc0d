import EvolveController
import EvolveCore
import Testing

/// The run budget's stop rules: the first limit reached stops new model requests, and the run
/// ends as `budget_spent` once the work in flight is done.
@Suite struct PipelineBudgetTests {
    typealias State = PipelineState<String>

    func limits(_ budget: RunBudget, models: Int = 2) -> State.Limits {
        .init(iterations: 100, modelConcurrency: models, evaluationConcurrency: 1, maxConsecutiveHarnessFailures: 5, budget: budget)
    }

    @Test("requests in flight count against the model-call limit, and the last child is still evaluated")
    func modelCalls() {
        var state = State(limits: limits(RunBudget(modelCalls: 3)))
        state.start(targetReached: false)
        #expect(state.issueGeneration() == 1)
        #expect(state.issueGeneration() == 2)
        state.release(.model)
        state.used(modelCalls: 1, tokens: 0)
        state.enqueue("child 1")
        #expect(state.issueGeneration() == 3)
        #expect(state.issueGeneration() == nil, "1 call done + 2 in flight = the limit of 3")
        state.release(.model)
        state.used(modelCalls: 1, tokens: 0)
        state.release(.model)
        state.used(modelCalls: 1, tokens: 0)
        state.enqueue("child 3")
        state.checkBudgets()
        #expect(state.stop == nil, "children are still waiting for evaluation")
        #expect(state.issueEvaluation() == "child 1")
        state.release(.evaluation)
        state.checkBudgets()
        #expect(state.issueEvaluation() == "child 3")
        state.release(.evaluation)
        state.checkBudgets()
        #expect(state.stop == .budgetSpent)
        #expect(state.usage.modelCalls == 3)
    }

    @Test("tokens, evaluator seconds and wall clock each stop the run", arguments: ["tokens", "evaluator", "wall"])
    func otherLimits(kind: String) {
        let budget: RunBudget
        switch kind {
        case "tokens": budget = RunBudget(tokens: 1000)
        case "evaluator": budget = RunBudget(evaluatorSeconds: 2)
        default: budget = RunBudget(wallClockSeconds: 60)
        }
        var state = State(limits: limits(budget, models: 1))
        state.start(targetReached: false)
        #expect(state.issueGeneration() == 1)
        state.release(.model)
        state.used(modelCalls: 1, tokens: 400)
        state.used(evaluatorSeconds: 0.5)
        state.clock(elapsed: 10)
        state.checkBudgets()
        #expect(state.stop == nil)
        #expect(state.issueGeneration() == 2)
        state.release(.model)
        state.used(modelCalls: 1, tokens: 700)
        state.used(evaluatorSeconds: 1.6)
        state.clock(elapsed: 61)
        state.checkBudgets()
        #expect(state.issueGeneration() == nil)
        #expect(state.stop == .budgetSpent)
    }

    @Test("a resumed run whose budget was already used stops at once")
    func resumedSpent() {
        var state = State(limits: limits(RunBudget(modelCalls: 5)), finished: Set(1...5), usage: BudgetUsage(modelCalls: 5))
        state.start(targetReached: false)
        #expect(state.stop == .budgetSpent)
        #expect(state.issueGeneration() == nil)
    }

    @Test("without a budget only the iteration limit stops the run")
    func unlimited() {
        var state = State(limits: limits(RunBudget()))
        state.start(targetReached: false)
        state.used(modelCalls: 1000, tokens: 1_000_000)
        state.clock(elapsed: 1e6)
        #expect(state.issueGeneration() == 1)
    }
}
