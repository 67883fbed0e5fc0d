import EvolveCore
import EvolveSandbox

extension Evaluator {
    /// The evaluate stage: the candidate's score, or why it has none. A child that beats `best`,
    /// the run's best when its evaluation began, is verified before it is committed (a child that
    /// does not cannot become the best, since the best only improves meanwhile).
    func evaluate(_ candidate: Candidate, best: Double?) async -> Work {
        var candidate = candidate
        candidate.timing.evaluationStarted = ProgramTiming.now
        do {
            let result = try await evaluate(candidate.code)
            guard needsVerification(result, over: best) else {
                candidate.timing.evaluated = ProgramTiming.now
                return .evaluated(candidate, result, nil)
            }
            let (verified, verification) = try await verify(candidate.code, result: result)
            candidate.timing.evaluated = ProgramTiming.now
            return .evaluated(candidate, verified, verification)
        } catch {
            if error is CancellationError || Task.isCancelled { return .abandoned(.evaluation) }
            return .evaluationError(candidate, "\(error)")
        }
    }
}
