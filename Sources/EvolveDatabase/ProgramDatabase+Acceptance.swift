import EvolveCore

extension ProgramDatabase {
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
