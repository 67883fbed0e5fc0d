/// What the database hands the prompt builder for one iteration.
public struct Selection: Sendable, Hashable {
    /// The program to change.
    public var parent: Program
    /// The best programs of the parent's island, best first (the parent excluded).
    public var topPrograms: [Program]
    /// Elites from other cells of the grid, for diversity.
    public var inspirations: [Program]
    public var island: Int

    public init(parent: Program, topPrograms: [Program], inspirations: [Program], island: Int) {
        self.parent = parent
        self.topPrograms = topPrograms
        self.inspirations = inspirations
        self.island = island
    }
}
