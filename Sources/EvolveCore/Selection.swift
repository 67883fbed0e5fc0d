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
    /// The island's most recent children, failed ones included, newest first, each with its parent.
    public var previousAttempts: [PreviousAttempt]
    /// Elites of other islands (a separate line of search), labelled by island in the prompt.
    public var otherIslands: [Program]
    /// The parent's ancestors, its own parent first: the line of programs it descends from.
    public var ancestors: [Program]

    /// A child made earlier on the island, with the program it was made from.
    public struct PreviousAttempt: Sendable, Hashable {
        public var program: Program
        public var parent: Program?

        public init(program: Program, parent: Program?) {
            self.program = program
            self.parent = parent
        }
    }

    public init(
        parent: Program, topPrograms: [Program], inspirations: [Program], island: Int, failedChildren: [Program] = [],
        previousAttempts: [PreviousAttempt] = [], otherIslands: [Program] = [], ancestors: [Program] = []
    ) {
        self.parent = parent
        self.topPrograms = topPrograms
        self.inspirations = inspirations
        self.island = island
        self.failedChildren = failedChildren
        self.previousAttempts = previousAttempts
        self.otherIslands = otherIslands
        self.ancestors = ancestors
    }
}
