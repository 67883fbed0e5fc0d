import EvolveCore

/// The current program's sections: its record (score, metrics, feature coordinates, fitness
/// trend), its last evaluation and its code.
extension PromptBuilder {
    func parentRecordSection(_ selection: Selection) -> String {
        let program = selection.parent
        let score = program.score.map(number) ?? "none (\(program.result.status.rawValue))"
        let metrics = keyValues(program.result.metrics.mapValues(\.description))
        let features = keyValues(program.features.mapValues(number))
        let trend = trendText(selection)
        var record = ["Score: \(score)"]
        if !metrics.isEmpty { record.append("Metrics: " + metrics) }
        if !features.isEmpty { record.append("Feature coordinates: " + features) }
        if !trend.isEmpty { record.append("Score trend of its line, oldest first: " + trend) }
        return section("parent_record", [
            "record": record.joined(separator: "\n"), "score": score, "metrics": metrics, "features": features, "trend": trend,
            "generation": String(program.generation), "island": String(selection.island),
        ])
    }

    /// The scores of the parent's ancestors and its own, oldest first: `249 → 260 → 275 (current)`.
    func trendText(_ selection: Selection) -> String {
        guard !selection.ancestors.isEmpty else { return "" }
        let line = selection.ancestors.reversed().map { $0.score.map(number) ?? $0.result.status.rawValue }
        return (line + [(selection.parent.score.map(number) ?? selection.parent.result.status.rawValue) + " (current)"])
            .joined(separator: " → ")
    }

    /// The last evaluation's failure reason, standard-error tail and artifacts; without artifacts
    /// when trimming asked for a shorter section.
    func lastEvaluationSection(_ program: Program, artifacts showArtifacts: Bool = true) -> String {
        let result = program.result
        let failure = result.failureReason ?? ""
        var stderr = tail(result.stderrTail, lines: 15, characters: 1500)
        if result.isSuccess, result.stderrTail.count >= 1500 { stderr = "" }
        let artifacts = !showArtifacts ? "" : result.artifacts.sorted { $0.key < $1.key }
            .map { "\($0.key): \(String($0.value.description.prefix(800)))" }.joined(separator: "\n")
        var output: [String] = []
        if !failure.isEmpty { output.append("Failure: \(failure)") }
        if !stderr.isEmpty { output.append("Standard error (end):\n```\n\(stderr)\n```") }
        if !artifacts.isEmpty { output.append(artifacts) }
        let text = output.joined(separator: "\n")
        return section("last_evaluation", ["output": text, "failure": failure, "stderr": stderr, "artifacts": artifacts], if: !text.isEmpty)
    }

    func currentProgramSection(_ program: Program) -> String {
        if let tree = ProgramTree(decoding: program.code) { return currentFilesSection(tree) }
        return section("current_program", ["code": codeWithoutFinalNewline(program.code), "language": language])
    }

    /// The record and the code together: the `{{parent}}` placeholder of earlier `user` templates.
    func parentSection(_ selection: Selection) -> String {
        parentRecordSection(selection) + currentProgramSection(selection.parent)
    }

    func codeWithoutFinalNewline(_ code: String) -> String {
        code.hasSuffix("\n") ? String(code.dropLast()) : code
    }

    func keyValues(_ values: [String: String]) -> String {
        values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }
}
