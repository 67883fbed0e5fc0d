import EvolveCore
import EvolveDatabase

/// What a child's code is a copy of, if anything: a program evaluated before, or another child
/// waiting for or in evaluation. One check; the generate stage and the filter word it their own way.
enum Duplicate: Sendable {
    case evaluated(ProgramID)
    case inEvaluation
}

extension Controller {
    /// The one duplicate check.
    func duplicate(of code: String) -> Duplicate? {
        if let program = database.program(withCode: code) { return .evaluated(program.id) }
        return inFlightCodes.contains(code) ? .inEvaluation : nil
    }

    /// The filter stage: why a child must not be evaluated, or nil to evaluate it. The generate
    /// stage asks first (Controller+Novelty.swift) so that the model can try again; this last
    /// check catches two identical children generated at the same time.
    func filter(_ candidate: Candidate) -> (FailureReason, String)? {
        switch duplicate(of: candidate.code) {
        case .evaluated(let id)?: (.duplicate, "the child is identical to program \(id), evaluated before")
        case .inEvaluation?: (.duplicate, "the child is identical to another child already being evaluated")
        case nil: nil
        }
    }
}
