import EvolveCore

/// The sections that show other programs' EVOLVE-BLOCK text: the best programs, diverse ones from
/// other cells and ones from other islands. Each program is shown whole or not at all, and a copy
/// of the current program (a migrant or seed copy on another island) is not shown again. Unless
/// `search.show_worse_programs`, only programs that score better than the parent are shown.
extension PromptBuilder {
    /// Whether `program` is shown beside the selection's parent.
    func shows(_ program: Program, beside parent: Program) -> Bool {
        guard program.id != parent.id, program.code != parent.code else { return false }
        guard !showWorsePrograms, let parentScore = parent.score else { return true }
        return program.score.map { goal.isBetter($0, than: parentScore) } ?? false
    }

    func topEntries(_ selection: Selection) -> [String?] {
        selection.topPrograms.filter { shows($0, beside: selection.parent) }.map { program in
            programEntry(program, label: "Score \(program.score.map(number) ?? "none")")
        }
    }

    /// Inspirations from the parent's island; those from elsewhere go with the other islands.
    func inspirationEntries(_ selection: Selection) -> [String?] {
        selection.inspirations.filter { $0.island == selection.island && shows($0, beside: selection.parent) }.map { program in
            let features = keyValues(program.features.mapValues(number))
            return programEntry(program, label: "Score \(program.score.map(number) ?? "none")" + (features.isEmpty ? "" : " (\(features))"))
        }
    }

    func otherIslandEntries(_ selection: Selection) -> [String?] {
        let shown = Set(selection.otherIslands.map(\.id))
        let elsewhere = selection.inspirations.filter { $0.island != selection.island && !shown.contains($0.id) }
        return (selection.otherIslands + elsewhere).filter { shows($0, beside: selection.parent) }.map { program in
            programEntry(program, label: "Island \(program.island), score \(program.score.map(number) ?? "none")")
        }
    }

    /// The label and the program's EVOLVE-BLOCK regions in a fence; nil when longer than `excerptLimit`.
    func programEntry(_ program: Program, label: String) -> String? {
        if let tree = ProgramTree(decoding: program.code) { return treeEntry(tree, label: label) }
        let regions = (try? EvolveBlock.regionTexts(in: program.code))?.joined(separator: "\n...\n") ?? program.code
        guard regions.count <= excerptLimit else { return nil }
        return "\(label):\n```\(language)\n\(regions)\n```"
    }
}
