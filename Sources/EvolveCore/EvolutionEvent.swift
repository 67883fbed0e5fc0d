import Foundation

/// Something that happened in a run, for progress display, the JSONL log and metrics.
public enum EvolutionEvent: Sendable, Hashable, Codable {
    case runStarted(RunStarted)
    /// A child was evaluated and committed to the store.
    case programAdded(ProgramAdded)
    /// An iteration ended without a child to evaluate (every answer rejected, or the model failed).
    case iterationFailed(IterationFailed)
    /// One model answer was rejected; the reason goes back to the model if retries remain.
    case mutationRejected(MutationRejected)
    case migration(Migration)
    /// A model request failed; `willRetry` tells whether it is tried again.
    case modelFault(ModelFault)
    /// The work in flight changed: model requests, evaluations, and children waiting for an evaluation slot.
    case workInFlight(WorkInFlight)
    case runFinished(RunFinished)

    public struct WorkInFlight: Sendable, Hashable, Codable {
        public var modelCalls: Int
        public var evaluations: Int
        public var waiting: Int
        public init(modelCalls: Int, evaluations: Int, waiting: Int) {
            self.modelCalls = modelCalls
            self.evaluations = evaluations
            self.waiting = waiting
        }
    }

    public struct ModelFault: Sendable, Hashable, Codable {
        public var model: String
        public var kind: String
        public var message: String
        public var willRetry: Bool
        public init(model: String, kind: String, message: String, willRetry: Bool) {
            self.model = model
            self.kind = kind
            self.message = message
            self.willRetry = willRetry
        }
    }

    public struct RunStarted: Sendable, Hashable, Codable {
        public var runDirectory: String
        public var model: String
        public var backend: String
        public var iterations: Int
        public var resumedPrograms: Int
        /// Iterations finished before this start (non-zero when resuming).
        public var finishedIterations: Int
        /// Children whose answers arrived before this start and were journaled: they are evaluated
        /// first, without asking the model again (nil in logs written before the journal).
        public var journaledChildren: Int?
        public init(
            runDirectory: String, model: String, backend: String, iterations: Int, resumedPrograms: Int, finishedIterations: Int = 0,
            journaledChildren: Int? = nil
        ) {
            self.journaledChildren = journaledChildren
            self.runDirectory = runDirectory
            self.model = model
            self.backend = backend
            self.iterations = iterations
            self.resumedPrograms = resumedPrograms
            self.finishedIterations = finishedIterations
        }
    }

    public struct ProgramAdded: Sendable, Hashable, Codable {
        public var iteration: Int
        public var programID: ProgramID
        public var parentID: ProgramID?
        public var island: Int
        public var status: EvaluationResult.Status
        public var score: Double?
        public var failureReason: String?
        public var isNewBest: Bool
        public var bestScore: Double?
        public var modelSeconds: Double
        public var evaluationSeconds: Double
        /// What the run's model answers have cost so far (0 without prices).
        public var runCost: Double
        /// The honest verifiers' line for a would-be best ("rechecked 2×, stable; held-out 0.87 (search 0.91)").
        public var verification: String?
        public init(
            iteration: Int, programID: ProgramID, parentID: ProgramID?, island: Int, status: EvaluationResult.Status,
            score: Double?, failureReason: String?, isNewBest: Bool, bestScore: Double?, modelSeconds: Double,
            evaluationSeconds: Double, runCost: Double = 0, verification: String? = nil
        ) {
            self.verification = verification
            self.iteration = iteration
            self.programID = programID
            self.parentID = parentID
            self.island = island
            self.status = status
            self.score = score
            self.failureReason = failureReason
            self.isNewBest = isNewBest
            self.bestScore = bestScore
            self.modelSeconds = modelSeconds
            self.evaluationSeconds = evaluationSeconds
            self.runCost = runCost
        }
    }

    public struct IterationFailed: Sendable, Hashable, Codable {
        public var iteration: Int
        /// A short category, stored as its code: a rejection kind (`no_match`, ...), `model_error`, `duplicate`, `too_long`.
        public var reason: FailureReason
        public var message: String
        /// What the run's model answers have cost so far (0 without prices).
        public var runCost: Double
        public init(iteration: Int, reason: FailureReason, message: String, runCost: Double = 0) {
            self.iteration = iteration
            self.reason = reason
            self.message = message
            self.runCost = runCost
        }
    }

    public struct MutationRejected: Sendable, Hashable, Codable {
        public var iteration: Int
        public var attempt: Int
        public var kind: MutationRejection.Kind
        public var message: String
        public init(iteration: Int, attempt: Int, kind: MutationRejection.Kind, message: String) {
            self.iteration = iteration
            self.attempt = attempt
            self.kind = kind
            self.message = message
        }
    }

    public struct Migration: Sendable, Hashable, Codable {
        public var from: Int
        public var to: Int
        public var programID: ProgramID
        public init(from: Int, to: Int, programID: ProgramID) {
            self.from = from
            self.to = to
            self.programID = programID
        }
    }

    public struct RunFinished: Sendable, Hashable, Codable {
        public enum Reason: String, Sendable, Hashable, Codable {
            case targetReached = "target_reached"
            case budgetSpent = "budget_spent"
            case costBudgetSpent = "cost_budget_spent"
            case interrupted
            case failed
        }
        public var reason: Reason
        public var iterations: Int
        public var bestScore: Double?
        public var bestProgramID: ProgramID?
        public var message: String?
        public init(reason: Reason, iterations: Int, bestScore: Double?, bestProgramID: ProgramID?, message: String? = nil) {
            self.reason = reason
            self.iterations = iterations
            self.bestScore = bestScore
            self.bestProgramID = bestProgramID
            self.message = message
        }
    }
}
