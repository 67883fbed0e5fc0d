import EvolveCore
import EvolveDatabase
import EvolveLLM

extension Controller {
    /// The filter stage: why a child must not be evaluated, or nil to evaluate it. The generate
    /// stage screens first (`screen(_:island:judged:)`) so that the model can try again; this last
    /// check catches two identical children generated at the same time.
    func filter(_ candidate: Candidate) -> (FailureReason, String)? {
        switch duplicates.duplicate(of: candidate.code, in: database) {
        case .evaluated(let id)?: (.duplicate, "the child is identical to program \(id), evaluated before")
        case .inEvaluation?: (.duplicate, "the child is identical to another child already being evaluated")
        case nil: nil
        }
    }

    /// Why a child would be a duplicate, worded for the model, which is asked to try again.
    func duplicateMessage(for code: String) -> String? {
        switch duplicates.duplicate(of: code, in: database) {
        case .evaluated(let id)?: "your change gives a program identical to program \(id), which was already tried; try something different"
        case .inEvaluation?:
            "your change gives a program identical to another child, which was already tried and is being evaluated; try something different"
        case nil: nil
        }
    }

    /// The programs a child on `island` must differ from (`search.novelty`).
    func noveltyNeighbours(island: Int) -> [Program] {
        database.scoredPrograms(onIsland: island)
    }

    /// Why `code`, a child on `island`, is not evaluated: a duplicate or too similar (with the
    /// kind and the message for the model), or nil. `judged` receives a novelty judge's answer.
    nonisolated func screen(_ code: String, island: Int, judged: (ChatResponse) -> Void) async -> (FailureReason, String)? {
        if let message = await duplicateMessage(for: code) { return (.duplicate, message) }
        guard let novelty else { return nil }
        let neighbours = await noveltyNeighbours(island: island)
        guard let verdict = await novelty.verdict(for: code, against: neighbours, judged: judged) else { return nil }
        return (.tooSimilar, verdict.message)
    }
}
