import EvolveCore

/// What the archive layer knows that every strategy may use when it samples.
public struct SamplingContext: Sendable {
    /// The starting program.
    public var root: Program?
    /// The best scored program of the whole run that may be a parent.
    public var best: Program?
    /// How many children each program has had, failed ones included.
    public var childCounts: [ProgramID: Int]

    public init(root: Program?, best: Program?, childCounts: [ProgramID: Int] = [:]) {
        self.root = root
        self.best = best
        self.childCounts = childCounts
    }
}

/// Where a strategy filed a scored program.
public struct Placement: Sendable, Hashable {
    /// The program became the elite of its cell (or the strategy keeps every program).
    public var isElite: Bool
    public var cell: Int?

    public init(isElite: Bool, cell: Int?) {
        self.isElite = isElite
        self.cell = cell
    }
}

/// How parents are chosen: the part of the search that `search.strategy` selects.
///
/// A strategy sees only scored programs; the archive layer around it (`ProgramDatabase`) keeps
/// duplicates, failed children, the best program and the starting program for every strategy.
/// Strategies are value types; the controller owns the one of its run and drives it from one task.
public protocol SearchStrategy: Sendable {
    /// Islands this strategy keeps (1 for a flat archive).
    var islandCount: Int { get }
    /// The island iteration `iteration` samples from (round-robin for island strategies).
    func island(forIteration iteration: Int) -> Int
    /// Copies of the starting program that the other islands start from.
    func seedCopies(of initial: Program, makeID: () -> ProgramID) -> [Program]
    /// Files a scored program. A copy (origin `migration`) on an island the strategy does not have
    /// yet adds that island when `search.spawn_after` is set.
    mutating func add(_ program: Program) -> Placement
    /// Chooses the parent, top programs and inspirations for one iteration on `island`.
    mutating func sample(island: Int, context: SamplingContext) -> Selection?
    /// Additions between two maintenance steps (`Int.max`: never).
    var maintenanceInterval: Int { get }
    /// Maintenance (migration, resets): programs to store and then add, in order.
    func maintenance(makeID: () -> ProgramID) -> [Program]
    /// Best scored programs of an island (or of all islands), best first.
    func topPrograms(island: Int?, limit: Int) -> [Program]
    /// Occupied cells per island.
    var occupiedCells: [Int] { get }
}

extension SearchStrategy {
    public var islandCount: Int { 1 }
    public func island(forIteration iteration: Int) -> Int { ((iteration % islandCount) + islandCount) % islandCount }
    public func seedCopies(of initial: Program, makeID: () -> ProgramID) -> [Program] { [] }
    public var maintenanceInterval: Int { Int.max }
    public func maintenance(makeID: () -> ProgramID) -> [Program] { [] }
}

extension SearchConfiguration.Strategy {
    /// A fresh strategy of this kind for an archive.
    func make(_ configuration: ArchiveConfiguration) -> any SearchStrategy {
        switch self {
        case .mapElites: return MapElitesStrategy(configuration: configuration)
        case .random: return BaselineStrategy(configuration: configuration, parent: .root)
        case .greedy: return BaselineStrategy(configuration: configuration, parent: .best)
        case .weighted: return WeightedStrategy(configuration: configuration)
        case .funsearch: return FunSearchStrategy(configuration: configuration)
        }
    }
}
