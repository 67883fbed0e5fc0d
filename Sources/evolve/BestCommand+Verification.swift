import EvolveCore

extension BestCommand {
    /// The honest verifiers' findings (`evaluator.recheck`, `evaluator.final`): the best's, the
    /// start's held-out score to compare it with, and the would-be bests whose scores did not reproduce.
    func printVerification(best: Program, programs: [Program]) {
        // Migrants are copies: their findings are their originals'.
        let verified = programs.filter { $0.verification != nil && $0.origin != .migration }
        guard !verified.isEmpty else { return }
        if let verification = best.verification {
            print("verified: \(verification.summary)")
        } else {
            print("verified: no (the run verified would-be bests, but not this one)")
        }
        if let start = programs.first(where: { $0.origin == .initial }), start.id != best.id, let heldOut = start.verification?.heldOutScore {
            print("held-out score of the start: \(formatScore(heldOut))")
        }
        let unstable = verified.filter { $0.verification?.isStable == false }
        guard !unstable.isEmpty else { return }
        let refused = unstable.filter { $0.verification?.refused == true }.count
        print("unstable would-be bests: \(unstable.count)" + (refused > 0 ? " (\(refused) refused)" : "") + ": "
            + unstable.prefix(5).map(\.id.rawValue).joined(separator: ", ") + (unstable.count > 5 ? ", …" : ""))
    }
}
