import EvolveCore

/// What the prompt shows of the past: the island's recent children (each with its parent, so the
/// prompt can say what the child changed and whether it beat its parent) and the parent's line
/// of ancestors (its fitness trend). Every strategy gets these from the archive layer.
extension ProgramDatabase {
    /// Children kept per island for the prompt's previous attempts.
    static let attemptsKept = 6
    /// Ancestors handed over for the fitness trend.
    static let ancestorsKept = 8

    /// Remembers a model-made child on its island (failed ones too).
    mutating func noteChild(_ program: Program) {
        guard program.origin == .mutation else { return }
        recentChildren[program.island, default: []].append(program.id)
        if recentChildren[program.island]!.count > Self.attemptsKept { recentChildren[program.island]!.removeFirst() }
    }

    /// Fills the selection's previous attempts and ancestors.
    func addHistory(to selection: inout Selection) {
        selection.previousAttempts = (recentChildren[selection.island] ?? []).reversed().compactMap { id in
            programs[id].map { Selection.PreviousAttempt(program: $0, parent: $0.parentID.flatMap { programs[$0] }) }
        }
        selection.ancestors = ancestors(of: selection.parent)
    }

    /// The program's parent, grandparent, ..., at most `ancestorsKept`, nearest first. A copy
    /// placed by the search (a migrant, say) is passed through to its original, not listed.
    func ancestors(of program: Program) -> [Program] {
        var line: [Program] = []
        var next = program.parentID
        var steps = 0
        while let id = next, line.count < Self.ancestorsKept, steps < 4 * Self.ancestorsKept, let ancestor = programs[id] {
            if ancestor.origin != .migration, ancestor.code != program.code { line.append(ancestor) }
            next = ancestor.parentID
            steps += 1
        }
        return line
    }
}
