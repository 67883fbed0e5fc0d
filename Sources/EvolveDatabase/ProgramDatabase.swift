import EvolveCore
import Foundation

/// Settings of the archive, taken from `search` and `goal` in evolve.yaml.
public struct ArchiveConfiguration: Sendable, Hashable {
    public var goal: Goal
    /// The search settings as decoded: every default is written once, in `SearchConfiguration`.
    public var search: SearchConfiguration

    public init(goal: Goal = Goal(), search: SearchConfiguration = SearchConfiguration()) {
        self.goal = goal
        self.search = search
    }

    public init(_ configuration: ProblemConfiguration) {
        self.init(goal: configuration.goal, search: configuration.search)
    }

    public var islands: Int { search.islands }
    public var features: [String] { search.features }
    public var bins: Int { search.bins }
    /// `search.feature_ranges` as ranges; an entry that is not `[low, high]` is left out.
    public var featureRanges: [String: ClosedRange<Double>] {
        search.featureRanges.compactMapValues { $0.count == 2 ? $0[0]...$0[1] : nil }
    }
    public var exploitation: Double { search.exploitation }
    public var fitnessProportional: Double { search.fitnessProportional }
    public var topPrograms: Int { search.topPrograms }
    public var inspirations: Int { search.inspirations }
    public var migrationInterval: Int { search.migrationInterval }
    public var seed: UInt64 { search.seed }
    public var strategy: SearchConfiguration.Strategy { search.strategy }
    public var weighted: SearchConfiguration.Weighted { search.weighted }
    public var funsearch: SearchConfiguration.FunSearch { search.funsearch }
    /// Children without a new best after which an island strategy gains an island; nil: never.
    public var spawnAfter: Int? { search.spawnAfter }
    public var maxIslands: Int { search.maxIslands }
    /// How much a child must beat its parent by to become a parent candidate; nil: any scored child.
    public var acceptDelta: Double? { search.acceptDelta }
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
