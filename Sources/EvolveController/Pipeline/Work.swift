import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox

/// A child that is ready for evaluation.
struct Candidate: Sendable {
    var iteration: Int
    var selection: Selection
    var plan: IterationPlan
    var code: String
    var record: GenerationRecord
    var attempts: [AttemptRecord]
    var cost: Double
    /// When it passed each stage so far; completed by the evaluate and commit stages.
    var timing: ProgramTiming

    /// The candidate with its last attempt marked as not evaluated, and why.
    func attemptsMarked(_ outcome: AttemptRecord.Outcome, _ reason: FailureReason, _ message: String) -> Candidate {
        var copy = self
        if let last = copy.attempts.indices.last {
            copy.attempts[last].outcome = outcome
            copy.attempts[last].kind = reason.code
            copy.attempts[last].message = message
        }
        return copy
    }
}

/// An iteration that ended without a child to evaluate.
struct GenerationFailure: Sendable {
    var iteration: Int
    var plan: IterationPlan
    var attempts: [AttemptRecord]
    var reason: FailureReason
    var message: String
    var cost: Double
    /// Seconds its model calls took, from the moment a model slot took the iteration.
    var seconds: Double
}

/// A piece of work that ended: each carries the slot it frees.
enum Work: Sendable {
    /// The model's answer applied: a child to filter and evaluate.
    case generated(Candidate)
    /// Every answer was rejected, or the model failed.
    case failed(GenerationFailure)
    /// Evaluated, with the honest verifiers' findings when it was a would-be best (`evaluator.recheck`, `evaluator.final`).
    case evaluated(Candidate, EvaluationResult, Verification?)
    /// The sandbox threw something other than a `SandboxError`: a harness error.
    case evaluationError(Candidate, String)
    /// An instruction proposal (`search.meta_prompt`) came back: the model's answer or why there is none.
    case proposed(InstructionProposalAnswer)
    /// Cancelled because the run is stopping; nothing of it is stored.
    case abandoned(PipelineState<Candidate>.Slot)

    var slot: PipelineState<Candidate>.Slot {
        switch self {
        case .generated, .failed, .proposed: return .model
        case .evaluated, .evaluationError: return .evaluation
        case .abandoned(let slot): return slot
        }
    }
}
