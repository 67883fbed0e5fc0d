import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import Foundation
import Logging
import Metrics

/// Settings of one run that do not come from evolve.yaml alone (flags may override them).
public struct RunSettings: Sendable {
    /// Iterations in the whole run, counting those finished before a resume.
    public var iterations: Int
    public var modelConcurrency: Int
    public var evaluationConcurrency: Int
    public var generation: GenerationOptions
    /// More model calls allowed per iteration after a rejected answer.
    public var retries: Int
    /// Consecutive harness failures (model errors or sandbox errors) that stop the run.
    public var maxConsecutiveHarnessFailures: Int
    /// More requests after a transient model failure (see `RetryingClient`).
    public var requestRetries: Int
    /// Stop once the model answers have cost this much (needs prices in `llm.models`).
    public var costBudget: Double?
    /// Limits on model calls, tokens, cost, evaluator seconds and wall clock; the first reached stops the run.
    public var budget = RunBudget()
    public var maxCodeLength: Int
    /// How a SEARCH part that is not found exactly may still be placed (`search.diff_match`).
    public var diffMatching = DiffMatching()
    /// One iteration at a time (see `PipelineState.Limits.lockstep`): set when answers are
    /// recorded or replayed with one model request and one evaluation at a time.
    public var lockstep = false

    public init(
        iterations: Int, modelConcurrency: Int, evaluationConcurrency: Int, generation: GenerationOptions, retries: Int,
        maxConsecutiveHarnessFailures: Int = 5, maxCodeLength: Int = 40_000, requestRetries: Int = 3, costBudget: Double? = nil
    ) {
        self.requestRetries = requestRetries
        self.costBudget = costBudget
        self.iterations = iterations
        self.modelConcurrency = modelConcurrency
        self.evaluationConcurrency = evaluationConcurrency
        self.generation = generation
        self.retries = retries
        self.maxConsecutiveHarnessFailures = maxConsecutiveHarnessFailures
        self.maxCodeLength = maxCodeLength
    }

    public init(_ configuration: ProblemConfiguration) {
        self.init(
            iterations: configuration.search.iterations, modelConcurrency: configuration.llm.concurrency,
            evaluationConcurrency: configuration.sandbox.concurrency, generation: GenerationOptions(configuration.llm),
            retries: configuration.answerRetries, maxCodeLength: configuration.search.maxCodeLength,
            requestRetries: configuration.llm.requestRetries, costBudget: configuration.llm.costBudget)
        diffMatching = configuration.search.diffMatch
        let llm = configuration.llm
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
            maxConsecutiveHarnessFailures: maxConsecutiveHarnessFailures, costBudget: costBudget, budget: budget, lockstep: lockstep)
    }
}
