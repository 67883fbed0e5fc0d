import EvolveCore

extension ProgramDatabase {
    /// The scored programs on `island`, the ones a new child there is compared with for novelty.
    /// Failed programs are left out: a child that fixes one by a single token is worth evaluating.
    public func scoredPrograms(onIsland island: Int) -> [Program] {
        programs.values.filter { $0.island == island && $0.score != nil }.sorted { $0.id.rawValue < $1.id.rawValue }
    }
}
