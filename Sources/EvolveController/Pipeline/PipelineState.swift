import EvolveCore

/// The pipeline's scheduling and stop rules, apart from its I/O: which iteration to generate
/// next, when a model request or an evaluation may start, and when the run stops. The controller
/// asks it before starting work and tells it about every piece of work that ends; tests drive it
/// without processes.
///
/// Every piece of work holds one slot (`Slot.model` while generating, `Slot.evaluation` while
/// evaluating) and gives it back through `release(_:)` exactly once, whatever its outcome.
public struct PipelineState<Pending: Sendable>: Sendable {
    public enum Slot: Sendable, Hashable { case model, evaluation }

    public struct Limits: Sendable {
        /// Iterations in the whole run, counting those finished before a resume.
        public var iterations: Int
        public var modelConcurrency: Int
        public var evaluationConcurrency: Int
        /// Consecutive model errors, or consecutive sandbox errors, that stop the run.
        public var maxConsecutiveHarnessFailures: Int
        /// Limits on model calls, tokens, cost, evaluator seconds and wall clock (see PipelineState+Budget.swift).
        /// The cost limit (`budget.cost`, or `llm.cost_budget`) stops the run at once, as `costBudgetSpent`;
        /// the others let the work in flight finish and stop it as `budgetSpent`.
        public var budget: RunBudget
        /// One iteration at a time: the next is sampled only after the last is committed, so the
        /// archive each sample sees depends on the answers alone, not on timing (record and replay).
        public var lockstep: Bool

        public init(
            iterations: Int, modelConcurrency: Int, evaluationConcurrency: Int, maxConsecutiveHarnessFailures: Int,
            budget: RunBudget = RunBudget(), lockstep: Bool = false
        ) {
            self.budget = budget
            self.lockstep = lockstep
            self.iterations = iterations
            self.modelConcurrency = modelConcurrency
            self.evaluationConcurrency = evaluationConcurrency
            self.maxConsecutiveHarnessFailures = maxConsecutiveHarnessFailures
        }
    }

    public typealias StopReason = EvolutionEvent.RunFinished.Reason

    public let limits: Limits
    /// Iterations finished, before this session and in it.
    public private(set) var finished: Set<Int>
    private let finishedBefore: Set<Int>
    /// Iterations whose child was generated before a restart (journaled): never generated again.
    private var resumed: Set<Int> = []
    /// The next iteration number to consider; numbers finished before are skipped, so a resumed
    /// run first fills the holes a killed run left.
    private var cursor = 1
    public private(set) var issued = 0
    public private(set) var modelsInFlight = 0
    public private(set) var evaluationsInFlight = 0
    public private(set) var pending: [Pending] = []
    public private(set) var stop: StopReason?
    /// Why the run failed, when `stop` is `.failed`.
    public private(set) var failure: String?
    /// What the run's model answers have cost, earlier sessions included.
    public private(set) var spent: Double
    /// Model calls, tokens and evaluator seconds used, earlier sessions included.
    public internal(set) var usage: BudgetUsage
    /// Seconds since this session started, as last told by `clock(elapsed:)`.
    public internal(set) var elapsedSeconds = 0.0
    private var consecutiveModelErrors = 0
    private var consecutiveSandboxErrors = 0
    private var cancelledWork = false

    public init(limits: Limits, finished: Set<Int> = [], spent: Double = 0, usage: BudgetUsage = BudgetUsage()) {
        self.limits = limits
        self.usage = usage
        self.finished = finished
        self.finishedBefore = finished
        self.spent = spent
    }

    /// Iterations this session may issue.
    public var budget: Int { max(0, limits.iterations - finishedBefore.count) }

    public var isIdle: Bool { modelsInFlight == 0 && evaluationsInFlight == 0 && pending.isEmpty }

    // MARK: - Starting work

    /// Applies the stop rules that hold before any work: a target already reached, nothing left to do.
    public mutating func start(targetReached: Bool) {
        if targetReached {
            requestStop(.targetReached)
        } else if budget == 0 {
            requestStop(.budgetSpent)
        }
        checkCostBudget()
        checkRunBudget()
    }

    /// The next iteration to generate, holding a model slot, or nil if none may start now.
    public mutating func issueGeneration() -> Int? {
        guard stop == nil, modelsInFlight < limits.modelConcurrency, issued < budget, !runBudgetReached, !limits.lockstep || isIdle,
            pending.count + evaluationsInFlight < limits.evaluationConcurrency + limits.modelConcurrency
        else { return nil }
        while finishedBefore.contains(cursor) || resumed.contains(cursor) { cursor += 1 }
        defer { cursor += 1 }
        issued += 1
        modelsInFlight += 1
        return cursor
    }

    /// An iteration whose child was generated before a restart (journaled, not committed) is this
    /// session's again: it counts as issued, as it did, and is never generated again. Its child is
    /// then enqueued, or the iteration finished without it.
    public mutating func resume(_ iteration: Int) {
        guard !finishedBefore.contains(iteration), resumed.insert(iteration).inserted else { return }
        issued += 1
    }

    /// Takes a model slot for work that is not an iteration (an instruction proposal), if one is free.
    public mutating func issueModelSlot() -> Bool {
        guard stop == nil, modelsInFlight < limits.modelConcurrency, !limits.lockstep || isIdle else { return false }
        modelsInFlight += 1
        return true
    }

    /// A child that passed the filter waits for an evaluation slot.
    public mutating func enqueue(_ candidate: Pending) {
        pending.append(candidate)
    }

    /// The next child to evaluate, holding an evaluation slot, or nil if none may start now.
    public mutating func issueEvaluation() -> Pending? {
        guard stop == nil, evaluationsInFlight < limits.evaluationConcurrency, !pending.isEmpty else { return nil }
        evaluationsInFlight += 1
        return pending.removeFirst()
    }

    // MARK: - Work that ended

    /// Gives back the slot a piece of work held.
    public mutating func release(_ slot: Slot) {
        switch slot {
        case .model:
            precondition(modelsInFlight > 0, "a model slot was released twice")
            modelsInFlight -= 1
        case .evaluation:
            precondition(evaluationsInFlight > 0, "an evaluation slot was released twice")
            evaluationsInFlight -= 1
        }
    }

    public mutating func finish(_ iteration: Int) {
        finished.insert(iteration)
    }

    public mutating func spend(_ cost: Double) {
        guard cost > 0 else { return }
        spent += cost
    }

    /// A model request failed for good; too many in a row stop the run.
    public mutating func modelFailed(_ message: String) {
        consecutiveModelErrors += 1
        if consecutiveModelErrors >= limits.maxConsecutiveHarnessFailures {
            fail("the model failed \(consecutiveModelErrors) times in a row; last error: \(message)")
        }
    }

    /// The model answered (whatever became of the answer).
    public mutating func modelAnswered() {
        consecutiveModelErrors = 0
    }

    /// A child was evaluated; too many sandbox errors in a row stop the run.
    public mutating func evaluated(sandboxError message: String?) {
        consecutiveModelErrors = 0
        guard let message else {
            consecutiveSandboxErrors = 0
            return
        }
        consecutiveSandboxErrors += 1
        if consecutiveSandboxErrors >= limits.maxConsecutiveHarnessFailures {
            fail("the sandbox failed \(consecutiveSandboxErrors) times in a row: \(message)")
        }
    }

    public mutating func reachedTarget() {
        requestStop(.targetReached)
    }

    /// A harness failure: the run stops with it.
    public mutating func fail(_ message: String) {
        guard stop != .failed else { return }
        failure = message
        stop = .failed
    }

    public mutating func interrupt() {
        requestStop(.interrupted)
    }

    /// Applies the budget rules after a piece of work ended.
    public mutating func checkBudgets() {
        if stop == nil, finished.count >= limits.iterations || (issued >= budget && isIdle) {
            requestStop(.budgetSpent)
        }
        checkCostBudget()
        checkRunBudget()
    }

    /// True once, when the run has stopped and the work still running must be cancelled.
    public mutating func takeCancellation() -> Bool {
        guard stop != nil, !cancelledWork else { return false }
        cancelledWork = true
        return true
    }

    private mutating func checkCostBudget() {
        if stop == nil, let cost = limits.budget.cost, spent >= cost {
            requestStop(.costBudgetSpent)
        }
    }

    mutating func requestStop(_ reason: StopReason) {
        if stop == nil { stop = reason }
    }
}
