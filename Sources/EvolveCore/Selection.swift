/// What the database hands the prompt builder for one iteration.
public struct Selection: Sendable, Hashable {
    /// The program to change.
    public var parent: Program
    /// The best programs of the parent's island, best first (the parent excluded).
    public var topPrograms: [Program]
    /// Elites from other cells of the grid, for diversity.
    public var inspirations: [Program]
    public var island: Int
    /// The parent's most recent children that failed their evaluation, newest first, so that the
    /// model sees what went wrong and does not repeat it.
    public var failedChildren: [Program]
    /// A crossover's second parent, from another island or cell (see `ProgramDatabase.crossoverPartner`).
    public var secondParent: Program?

    public init(parent: Program, topPrograms: [Program], inspirations: [Program], island: Int, failedChildren: [Program] = []) {
        self.parent = parent
        self.topPrograms = topPrograms
        self.inspirations = inspirations
        self.island = island
        self.failedChildren = failedChildren
    }
}
