import EvolveCore

/// What the pipeline asks the archive besides a sample: the programs a child is compared with for
/// novelty, a crossover's second parent, and whether a child may become a parent.
extension ProgramDatabase {
    /// The scored programs on `island`, the ones a new child there is compared with for novelty.
    /// Failed programs are left out: a child that fixes one by a single token is worth evaluating.
    public func scoredPrograms(onIsland island: Int) -> [Program] {
        programs.values.filter { $0.island == island && $0.score != nil }.sorted { $0.id.rawValue < $1.id.rawValue }
    }

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

    /// Whether a scored program may become a parent (`search.accept_delta`, the Darwin Gödel
    /// Machine's acceptance threshold): a child only if its fitness (the score in the goal's
    /// direction) beats its parent's by at least δ. Programs that are not children, and children
    /// of a parent without a score, always may. A child below the threshold is still stored, still
    /// a duplicate to later children and still counts for the best program reported; it just never
    /// reaches the strategy, so it is never a parent, a top program or an inspiration.
    func accepts(_ program: Program) -> Bool {
        guard let delta = configuration.acceptDelta, program.origin == .mutation, let score = program.score,
            let parentScore = program.parentID.flatMap({ programs[$0] })?.score
        else { return true }
        let goal = configuration.goal
        return goal.fitness(score) - goal.fitness(parentScore) >= delta
    }
}
