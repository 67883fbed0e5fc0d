import EvolveCore

extension ProgramDatabase {
    /// A second parent for a crossover with `selection`'s parent: a scored program of another
    /// island (its best few) or of another cell (the selection's inspirations), different from the
    /// parent; failing those, another of the run's best. Nil when the archive holds no other program.
    public func crossoverPartner(for selection: Selection, using generator: inout some RandomNumberGenerator) -> Program? {
        let parent = selection.parent
        let otherIslands = (0..<islandCount).filter { $0 != selection.island }.flatMap { topPrograms(island: $0, limit: 3) }
        let differs = { (program: Program) in program.id != parent.id && program.code != parent.code }
        let near = (otherIslands + selection.inspirations).filter(differs)
        let pool = near.isEmpty ? topPrograms(island: nil, limit: 5).filter(differs) : near
        return pool.randomElement(using: &generator)
    }
}
