import EvolveCore

extension ProgramDatabase {
    /// Counts a child towards stagnation: children added since the last new best, failed ones included.
    mutating func noteStagnation(_ program: Program, isNewBest: Bool) {
        guard program.origin == .mutation else { return }
        childrenSinceBest = isNewBest ? 0 : childrenSinceBest + 1
    }

    /// A copy on an island the strategy does not have yet starts that island (also when a resumed
    /// run adds its stored programs again): stagnation counts from zero again.
    mutating func noteIslandSpawn(_ program: Program) {
        if program.origin == .migration, program.island >= strategy.islandCount { childrenSinceBest = 0 }
    }

    /// `search.spawn_after`: after that many children without a new best, a copy of the best
    /// parent candidate on a new island (until the strategy has `search.max_islands`). The caller
    /// stores it, then adds it; the strategy grows by an island when it is added.
    mutating func spawnIslandIfStagnant(makeID: () -> ProgramID) -> Program? {
        guard let after = configuration.spawnAfter, configuration.strategy.hasIslands, childrenSinceBest >= after,
            strategy.islandCount < configuration.maxIslands, let best = bestCandidate
        else { return nil }
        childrenSinceBest = 0
        return best.copy(toIsland: strategy.islandCount, id: makeID())
    }
}
