import EvolveCore
import EvolveDatabase

extension Controller {
    /// The filter stage: why a child must not be evaluated, or nil to evaluate it. Today: a child
    /// whose code was evaluated before, or is waiting for or in evaluation, is a duplicate. The
    /// generate stage asks first (Controller+Novelty.swift) so that the model can try again; this
    /// last check catches two identical children generated at the same time.
    func filter(_ candidate: Candidate) -> (FailureReason, String)? {
        if let duplicate = database.program(withCode: candidate.code) {
            return (.duplicate, "the child is identical to program \(duplicate.id), evaluated before")
        }
        if inFlightCodes.contains(candidate.code) {
            return (.duplicate, "the child is identical to another child already being evaluated")
        }
        return nil
    }
}
