import EvolveCore

extension Evaluator {
    /// Whether `result` would be a new best over `best` and so must be verified first.
    public func needsVerification(_ result: EvaluationResult, over best: Double?) -> Bool {
        guard verifying.verifiesBests, result.isSuccess, let score = result.score else { return false }
        return best.map { goal.isBetter(score, than: $0) } ?? true
    }

    /// The honest verifiers on a would-be best: `evaluator.recheck` more evaluations of the same
    /// code, then the held-out `evaluator.final` stage. With `evaluator.refuse_unstable`, an
    /// unstable program's result comes back with status `unstable` (`refusable` false keeps the
    /// starting program's result as it is).
    public func verify(_ program: String, result: EvaluationResult, refusable: Bool = true) async throws
        -> (result: EvaluationResult, verification: Verification)
    {
        var rechecks: [Verification.Check] = []
        for _ in 0..<verifying.recheck {
            rechecks.append(Verification.Check(try await evaluate(program)))
        }
        var heldOut: Verification.Check?
        if let stage = verifying.heldOut {
            heldOut = Verification.Check(try await evaluate(program, stages: [stage], timeoutKeys: [heldOutTimeoutKey]))
        }
        var verification = Verification(
            searchScore: result.score ?? 0, rechecks: rechecks, tolerance: verifying.recheckTolerance, heldOut: heldOut)
        var result = result
        if refusable, verifying.refuseUnstable, let instability = verification.instability {
            verification.refused = true
            result.status = .unstable
            result.failureReason = "refused: " + instability
        }
        return (result, verification)
    }
}
