import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import Foundation
import Logging
import Metrics

/// Settings of one run that do not come from evolve.yaml alone (flags may override them). Each
/// is read from the decoded configuration, whose structs hold every default, written once.
public struct RunSettings: Sendable {
    /// Iterations in the whole run, counting those finished before a resume.
    public var iterations: Int
    public var modelConcurrency: Int
    public var evaluationConcurrency: Int
    public var generation: GenerationOptions
    /// More model calls allowed per iteration after a rejected answer.
    public var retries: Int
    /// Consecutive harness failures (model errors or sandbox errors) that stop the run.
    public var maxConsecutiveHarnessFailures = 5
    /// More requests after a transient model failure (see `RetryingClient`).
    public var requestRetries: Int
    /// Limits on model calls, tokens, cost, evaluator seconds and wall clock; the first reached
    /// stops the run. `llm.cost_budget` is its cost limit unless the budget sets a smaller one.
    public var budget: RunBudget
    public var maxCodeLength: Int
    /// How a SEARCH part that is not found exactly may still be placed (`search.diff_match`).
    public var diffMatching: DiffMatching
    /// For a multi-file program, which files the model may change or create (`files`).
    public var files: FilePolicy
    /// One iteration at a time (see `PipelineState.Limits.lockstep`): set when answers are
    /// recorded or replayed with one model request and one evaluation at a time.
    public var lockstep: Bool

    public init(_ configuration: ProblemConfiguration) {
        let llm = configuration.llm
        iterations = configuration.search.iterations
        modelConcurrency = llm.concurrency
        evaluationConcurrency = configuration.sandbox.concurrency
        generation = GenerationOptions(llm)
        retries = configuration.answerRetries
        requestRetries = llm.requestRetries
        budget = RunBudget(cost: llm.costBudget)
        maxCodeLength = configuration.search.maxCodeLength
        diffMatching = configuration.search.diffMatch
        files = configuration.files
        lockstep = (llm.record != nil || llm.replay != nil) && llm.concurrency == 1 && configuration.sandbox.concurrency == 1
    }
}

/// How a run ended.
public struct RunSummary: Sendable {
    public var reason: EvolutionEvent.RunFinished.Reason
    /// Iterations finished in the whole run (including before a resume).
    public var iterations: Int
    public var best: Program?
    public var programs: Int
    public var elapsedSeconds: Double
    public var evaluations: Int
    /// What the run's model answers cost in all (0 without prices).
    public var cost: Double = 0
    /// How busy the model and evaluation slots were (this process's part of the run).
    public var occupancy = SlotOccupancy()
    public var modelSlots = 1
    public var evaluationSlots = 1
}

/// A harness failure that stopped a run.
public struct RunError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}


extension RunSettings {
    /// The pipeline's limits.
    var limits: PipelineState<Candidate>.Limits {
        .init(
            iterations: iterations, modelConcurrency: modelConcurrency, evaluationConcurrency: evaluationConcurrency,
            maxConsecutiveHarnessFailures: maxConsecutiveHarnessFailures, budget: budget, lockstep: lockstep)
    }
}
