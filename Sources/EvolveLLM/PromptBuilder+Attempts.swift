import EvolveCore

/// The previous-attempts section: the island's recent children, newest first, each with what it
/// changed (from its diff), its score and metrics and whether it beat its own parent; failed ones
/// with their reason (and, for changes to the current program, the end of their standard error).
extension PromptBuilder {
    /// The island's recent children, then the parent's failed children that are not among them.
    func attempts(_ selection: Selection) -> [Selection.PreviousAttempt] {
        let listed = Set(selection.previousAttempts.map(\.program.id))
        let failed = selection.failedChildren.filter { !listed.contains($0.id) }
        return selection.previousAttempts + failed.map { Selection.PreviousAttempt(program: $0, parent: selection.parent) }
    }

    func attemptEntry(_ attempt: Selection.PreviousAttempt, current: Program) -> String {
        let program = attempt.program
        var text = "- Iteration \(program.iteration)"
        if let parent = attempt.parent { text += ", " + ChangeSummary(from: parent.code, to: program.code).text }
        text += ". " + outcome(attempt)
        if program.id == current.id {
            text += " This is the current program."
        } else if attempt.parent?.id == current.id {
            text += " It changed the current program."
        }
        if attempt.parent?.id == current.id, !program.result.isSuccess { text += errorTail(program.result) }
        return text
    }

    /// `Score 260, beat its parent (249). Metrics: ...` or `crashed: the reason`.
    func outcome(_ attempt: Selection.PreviousAttempt) -> String {
        let result = attempt.program.result
        guard let score = attempt.program.score else {
            var reason = result.failureReason.map { String($0.prefix(300)) } ?? "no reason given"
            if let last = reason.last, !".!?".contains(last) { reason += "." }
            return "Failed (\(result.status.rawValue)): \(reason)"
        }
        var text = "Score \(number(score))"
        if let parentScore = attempt.parent?.score {
            let beat = goal.isBetter(score, than: parentScore)
            text += beat ? ", beat its parent (\(number(parentScore)))" : ", did not beat its parent (\(number(parentScore)))"
        }
        let metrics = keyValues(result.metrics.mapValues(\.description))
        if !metrics.isEmpty { text += ". Metrics: " + String(metrics.prefix(300)) }
        return text + "."
    }

    /// The last lines of a failed child's standard error, unless its reason already quotes them.
    func errorTail(_ result: EvaluationResult) -> String {
        let stderr = tail(result.stderrTail, lines: 4, characters: 400)
        guard !stderr.isEmpty, result.failureReason?.contains(stderr) != true else { return "" }
        return "\n  ```\n" + stderr.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n  ```"
    }
}
