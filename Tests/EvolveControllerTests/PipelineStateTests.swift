import EvolveController
import EvolveCore
import Testing

/// The pipeline's scheduling and stop rules, driven without processes.
@Suite struct PipelineStateTests {
    typealias State = PipelineState<String>

    func limits(iterations: Int = 10, models: Int = 2, evaluations: Int = 1, failures: Int = 3, cost: Double? = nil) -> State.Limits {
        .init(iterations: iterations, modelConcurrency: models, evaluationConcurrency: evaluations,
              maxConsecutiveHarnessFailures: failures, budget: RunBudget(cost: cost))
    }

    @Test("model requests never exceed their limit, and children wait for an evaluation slot")
    func slots() {
        var state = State(limits: limits())
        state.start(targetReached: false)
        #expect(state.issueGeneration() == 1)
        #expect(state.issueGeneration() == 2)
        #expect(state.issueGeneration() == nil, "two model requests in flight at most")
        state.release(.model)
        state.enqueue("child 1")
        #expect(state.issueEvaluation() == "child 1")
        state.release(.model)
        state.enqueue("child 2")
        #expect(state.issueEvaluation() == nil, "one evaluation in flight at most")
        #expect(state.issueGeneration() == 3)
        #expect(state.issueGeneration() == 4)
        state.release(.model)
        state.release(.model)
        state.enqueue("child 3")
        state.enqueue("child 4")
        #expect(state.issueGeneration() == nil, "a full queue of children holds back new requests")
        state.release(.evaluation)
        #expect(state.issueEvaluation() == "child 2")
    }

    @Test("a resumed run fills the holes a killed run left before going on, and never passes its budget")
    func resumeFillsHoles() {
        var finished = Set(1...150)
        finished.subtract([148, 97])
        var state = State(limits: limits(iterations: 150, models: 5), finished: finished)
        state.start(targetReached: false)
        var issued: [Int] = []
        while let iteration = state.issueGeneration() { issued.append(iteration) }
        #expect(issued == [97, 148], "the two unfinished iterations, and no iteration 151")
        for iteration in issued {
            state.release(.model)
            state.finish(iteration)
        }
        state.checkBudgets()
        #expect(state.stop == .budgetSpent)
        #expect(state.finished == Set(1...150))
    }

    @Test("a journaled child's iteration is issued again as a child to evaluate, never generated, and counts against the budget")
    func journaledIterationsAreEvaluatedNotGenerated() {
        var state = State(limits: limits(iterations: 6, models: 5, evaluations: 1), finished: [1, 2])
        state.start(targetReached: false)
        state.resume(4)
        state.enqueue("journaled child of 4")
        state.resume(3)
        state.finish(3)  // its journaled child turned out a duplicate
        state.resume(3)
        #expect(state.issued == 2, "resuming an iteration twice counts it once")
        #expect(state.issueEvaluation() == "journaled child of 4", "the journaled child is evaluated before any new answer")
        var issued: [Int] = []
        while let iteration = state.issueGeneration() { issued.append(iteration) }
        #expect(issued == [5, 6], "iterations 3 and 4 are not asked again, and the budget of 6 holds")
        state.release(.evaluation)
        state.finish(4)
        for iteration in issued {
            state.release(.model)
            state.finish(iteration)
        }
        state.checkBudgets()
        #expect(state.stop == .budgetSpent)
        #expect(state.finished == Set(1...6))
    }

    @Test("a longer budget on resume continues after the last finished iteration")
    func resumeWithMoreIterations() {
        var state = State(limits: limits(iterations: 5, models: 5), finished: [1, 2, 4])
        state.start(targetReached: false)
        #expect(state.issueGeneration() == 3)
        #expect(state.issueGeneration() == 5)
        #expect(state.issueGeneration() == nil)
    }

    @Test("the budget stops the run once every issued iteration is done")
    func budget() {
        var state = State(limits: limits(iterations: 1))
        state.start(targetReached: false)
        #expect(state.issueGeneration() == 1)
        state.checkBudgets()
        #expect(state.stop == nil, "still generating")
        state.release(.model)
        state.finish(1)
        state.checkBudgets()
        #expect(state.stop == .budgetSpent)
        let first = state.takeCancellation(), second = state.takeCancellation()
        #expect(first)
        #expect(!second, "running work is cancelled once")
    }

    @Test("a run that starts at its target, or with nothing left, stops before any work")
    func stopsBeforeWork() {
        var reached = State(limits: limits())
        reached.start(targetReached: true)
        #expect(reached.stop == .targetReached)
        #expect(reached.issueGeneration() == nil)
        var done = State(limits: limits(iterations: 2), finished: [1, 2])
        done.start(targetReached: false)
        #expect(done.stop == .budgetSpent)
    }

    @Test("consecutive model errors stop the run; an answer in between resets the count")
    func modelErrors() {
        var state = State(limits: limits(failures: 3))
        state.start(targetReached: false)
        state.modelFailed("timeout")
        state.modelFailed("timeout")
        state.modelAnswered()
        state.modelFailed("timeout")
        state.modelFailed("timeout")
        #expect(state.stop == nil)
        state.modelFailed("connection refused")
        #expect(state.stop == .failed)
        #expect(state.failure?.contains("3 times in a row") == true)
        #expect(state.failure?.contains("connection refused") == true)
    }

    @Test("consecutive sandbox errors stop the run")
    func sandboxErrors() {
        var state = State(limits: limits(failures: 2))
        state.start(targetReached: false)
        state.evaluated(sandboxError: "runsc failed")
        state.evaluated(sandboxError: nil)
        state.evaluated(sandboxError: "runsc failed")
        #expect(state.stop == nil)
        state.evaluated(sandboxError: "runsc failed")
        #expect(state.stop == .failed)
    }

    @Test("the cost budget stops the run, counting what earlier sessions spent")
    func costBudget() {
        var state = State(limits: limits(cost: 1.0), spent: 0.6)
        state.start(targetReached: false)
        state.spend(0.3)
        state.checkBudgets()
        #expect(state.stop == nil)
        state.spend(0.2)
        state.checkBudgets()
        #expect(state.stop == .costBudgetSpent)
        #expect(abs(state.spent - 1.1) < 1e-9)
    }

    @Test("a harness failure wins over an earlier stop, and keeps its first message")
    func failureWins() {
        var state = State(limits: limits())
        state.start(targetReached: false)
        state.reachedTarget()
        state.fail("the store is full")
        state.fail("a later failure")
        #expect(state.stop == .failed)
        #expect(state.failure == "the store is full")
    }

    @Test("once stopped, no new work starts")
    func noWorkAfterStop() {
        var state = State(limits: limits(evaluations: 2))
        state.start(targetReached: false)
        _ = state.issueGeneration()
        state.release(.model)
        state.enqueue("child")
        state.interrupt()
        #expect(state.issueGeneration() == nil)
        #expect(state.issueEvaluation() == nil)
        #expect(state.stop == .interrupted)
    }
}
