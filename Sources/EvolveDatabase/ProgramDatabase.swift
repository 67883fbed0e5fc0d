import EvolveCore
import Foundation

/// Settings of the archive, taken from `search` and `goal` in evolve.yaml.
public struct ArchiveConfiguration: Sendable, Hashable {
    public var goal: Goal
    public var islands: Int
    public var features: [String]
    public var bins: Int
    public var featureRanges: [String: ClosedRange<Double>]
    public var exploitation: Double
    public var fitnessProportional: Double
    public var topPrograms: Int
    public var inspirations: Int
    public var migrationInterval: Int
    public var seed: UInt64
    public var strategy: SearchConfiguration.Strategy
    public var weighted: SearchConfiguration.Weighted
    public var funsearch: SearchConfiguration.FunSearch
    /// Children without a new best after which an island strategy gains an island; nil: never.
    public var spawnAfter: Int?
    public var maxIslands: Int
    /// How much a child must beat its parent by to become a parent candidate; nil: any scored child.
    public var acceptDelta: Double?

    public init(
        goal: Goal = Goal(), islands: Int = 2, features: [String] = ["length", "nesting"], bins: Int = 8,
        featureRanges: [String: ClosedRange<Double>] = [:], exploitation: Double = 0.6, fitnessProportional: Double = 0.25,
        topPrograms: Int = 3, inspirations: Int = 2, migrationInterval: Int = 25, seed: UInt64 = 42,
        strategy: SearchConfiguration.Strategy = .mapElites, weighted: SearchConfiguration.Weighted = .init(),
        funsearch: SearchConfiguration.FunSearch = .init(), spawnAfter: Int? = nil, maxIslands: Int = SearchConfiguration().maxIslands,
        acceptDelta: Double? = nil
    ) {
        self.weighted = weighted
        self.funsearch = funsearch
        self.spawnAfter = spawnAfter
        self.maxIslands = maxIslands
        self.acceptDelta = acceptDelta
        self.strategy = strategy
        self.goal = goal
        self.islands = islands
        self.features = features
        self.bins = bins
        self.featureRanges = featureRanges
        self.exploitation = exploitation
        self.fitnessProportional = fitnessProportional
        self.topPrograms = topPrograms
        self.inspirations = inspirations
        self.migrationInterval = migrationInterval
        self.seed = seed
    }

    public init(_ configuration: ProblemConfiguration) {
        let search = configuration.search
        self.init(
            goal: configuration.goal, islands: search.islands, features: search.features, bins: search.bins,
            featureRanges: search.featureRanges.compactMapValues { $0.count == 2 ? $0[0]...$0[1] : nil },
            exploitation: search.exploitation, fitnessProportional: search.fitnessProportional,
            topPrograms: search.topPrograms, inspirations: search.inspirations,
            migrationInterval: search.migrationInterval, seed: search.seed, strategy: search.strategy,
            weighted: search.weighted, funsearch: search.funsearch, spawnAfter: search.spawnAfter, maxIslands: search.maxIslands,
            acceptDelta: search.acceptDelta)
    }
}


/// The archive: one `SearchStrategy` (chosen by `search.strategy`) and, around it, what every
/// strategy shares: duplicate detection by code, the memory of each parent's failed children, the
/// count of each program's children, the best program, the starting program, the acceptance
/// threshold (`search.accept_delta`) and dynamic islands (`search.spawn_after`).
///
/// Failed programs are remembered (so they are never evaluated again) but never reach the
/// strategy, so they never become parents; nor do children below the acceptance threshold.
public struct ProgramDatabase: Sendable {
    public let configuration: ArchiveConfiguration
    var strategy: any SearchStrategy
    var programs: [ProgramID: Program] = [:]
    private var hashes: [UInt64: ProgramID] = [:]
    /// The last few failed children of each parent, newest last.
    private var failedChildren: [ProgramID: [ProgramID]] = [:]
    static let failuresKept = 2
    /// The last few children made on each island, failed ones included, newest last (see ProgramDatabase+History.swift).
    var recentChildren: [Int: [ProgramID]] = [:]
    /// Children of each program, failed ones included, counted as they are added.
    private var childCounts: [ProgramID: Int] = [:]
    /// Additions since the strategy's last maintenance step.
    private var addedSinceMaintenance = 0
    /// Children added since the last new best (or the last island spawned).
    var childrenSinceBest = 0
    public private(set) var best: Program?
    /// The best program the strategy received: the best a parent can be.
    private(set) var bestCandidate: Program?
    /// The starting program, the parent of last resort while no program has a score.
    public private(set) var root: Program?
    /// Programs added, failed ones included.
    public private(set) var count = 0

    public init(configuration: ArchiveConfiguration) {
        self.init(configuration: configuration, strategy: configuration.strategy.make(configuration))
    }

    public init(configuration: ArchiveConfiguration, strategy: any SearchStrategy) {
        self.configuration = configuration
        self.strategy = strategy
    }

    /// The outcome of adding a program.
    public struct AddOutcome: Sendable, Hashable {
        public var isNewBest: Bool
        /// The program became its cell's elite.
        public var isElite: Bool
        public var cell: Int?
    }

    public func program(_ id: ProgramID) -> Program? { programs[id] }

    /// The program with this exact text, if one was added before.
    public func program(withCode code: String) -> Program? {
        hashes[codeHash(code)].flatMap { programs[$0] }.flatMap { $0.code == code ? $0 : nil }
    }

    public var islandCount: Int { strategy.islandCount }

    /// How many children `id` has had, failed ones included.
    public func childCount(of id: ProgramID) -> Int { childCounts[id, default: 0] }

    /// Adds a program (keeping no prompt text in memory; the store has it).
    @discardableResult
    public mutating func add(_ program: Program) -> AddOutcome {
        var program = program
        program.generationRecord = nil
        count += 1
        programs[program.id] = program
        hashes[codeHash(program.code)] = program.id
        if program.origin == .initial, root == nil { root = program }
        if program.origin == .mutation, let parent = program.parentID { childCounts[parent, default: 0] += 1 }
        noteIslandSpawn(program)
        noteChild(program)
        guard let score = program.score else {
            rememberFailure(program)
            noteStagnation(program, isNewBest: false)
            return AddOutcome(isNewBest: false, isElite: false, cell: nil)
        }
        let isNewBest = best.flatMap({ $0.score }).map({ configuration.goal.isBetter(score, than: $0) }) ?? true
        if isNewBest { best = program }
        noteStagnation(program, isNewBest: isNewBest)
        guard accepts(program) else { return AddOutcome(isNewBest: isNewBest, isElite: false, cell: nil) }
        if bestCandidate.flatMap({ $0.score }).map({ configuration.goal.isBetter(score, than: $0) }) ?? true { bestCandidate = program }
        let placement = strategy.add(program)
        return AddOutcome(isNewBest: isNewBest, isElite: placement.isElite, cell: placement.cell)
    }

    private mutating func rememberFailure(_ program: Program) {
        guard let parent = program.parentID, program.origin == .mutation else { return }
        failedChildren[parent, default: []].append(program.id)
        if failedChildren[parent]!.count > Self.failuresKept { failedChildren[parent]!.removeFirst() }
    }

    /// Chooses the parent and context of iteration `iteration`, on the island the strategy assigns it.
    public mutating func sample(iteration: Int) -> Selection? {
        sample(island: strategy.island(forIteration: iteration))
    }

    /// Chooses a parent, top programs and inspirations for one iteration on `island`.
    public mutating func sample(island: Int) -> Selection? {
        let context = SamplingContext(root: root, best: bestCandidate, childCounts: childCounts)
        guard var selection = strategy.sample(island: island, context: context) else { return nil }
        selection.failedChildren = (failedChildren[selection.parent.id] ?? []).reversed().compactMap { programs[$0] }
        addHistory(to: &selection)
        return selection
    }

    /// Copies of the starting program for the strategy's other islands; the caller stores them, then adds them.
    public func seedCopies(of initial: Program, makeID: () -> ProgramID) -> [Program] {
        strategy.seedCopies(of: initial, makeID: makeID)
    }

    /// Counts one new child; every `maintenanceInterval` children, the strategy's maintenance
    /// (migration, resets), and after `spawn_after` children without a new best, a new island.
    /// Returns the programs made; the caller stores them, then adds them.
    public mutating func childAdded(makeID: () -> ProgramID) -> [Program] {
        var made: [Program] = []
        addedSinceMaintenance += 1
        if addedSinceMaintenance >= strategy.maintenanceInterval {
            addedSinceMaintenance = 0
            made += strategy.maintenance(makeID: makeID)
        }
        if let seed = spawnIslandIfStagnant(makeID: makeID) { made.append(seed) }
        return made
    }

    /// The strategy's maintenance step now (ring migration for `map_elites`); the caller adds the programs.
    public func migrants(makeID: () -> ProgramID) -> [Program] {
        strategy.maintenance(makeID: makeID)
    }

    /// Best programs of an island (or of all islands), best first.
    public func topPrograms(island: Int? = nil, limit: Int) -> [Program] {
        strategy.topPrograms(island: island, limit: limit)
    }

    /// Number of occupied cells per island.
    public var occupiedCells: [Int] { strategy.occupiedCells }
}
