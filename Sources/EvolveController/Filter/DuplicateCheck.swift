import EvolveCore
import EvolveDatabase

/// What a child's code is a copy of, if anything: a program evaluated before, or another child
/// waiting for or in evaluation. One check; the generate stage and the filter word it their own way.
enum Duplicate: Sendable {
    case evaluated(ProgramID)
    case inEvaluation

    /// Why the filter did not evaluate the child, as stored with its attempt.
    var filterMessage: String {
        switch self {
        case .evaluated(let id): "the child is identical to program \(id), evaluated before"
        case .inEvaluation: "the child is identical to another child already being evaluated"
        }
    }

    /// Why the generate stage refused the child, worded for the model, which is asked to try again.
    var messageForModel: String {
        switch self {
        case .evaluated(let id): "your change gives a program identical to program \(id), which was already tried; try something different"
        case .inEvaluation:
            "your change gives a program identical to another child, which was already tried and is being evaluated; try something different"
        }
    }
}

/// The duplicate check: the archive's programs and the code of the children waiting for or in
/// evaluation, which the archive does not hold yet.
struct DuplicateCheck: Sendable {
    private var inEvaluation: Set<String> = []

    /// What `code` duplicates, if anything.
    func duplicate(of code: String, in archive: ProgramDatabase) -> Duplicate? {
        if let program = archive.program(withCode: code) { return .evaluated(program.id) }
        return inEvaluation.contains(code) ? .inEvaluation : nil
    }

    /// A child passed the filter: its code waits for evaluation.
    mutating func entered(_ code: String) {
        inEvaluation.insert(code)
    }

    /// A child's evaluation ended (it is in the archive now, or failed to be evaluated).
    mutating func left(_ code: String) {
        inEvaluation.remove(code)
    }
}
