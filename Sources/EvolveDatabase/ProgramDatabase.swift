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

    public init(
        goal: Goal = Goal(), islands: Int = 2, features: [String] = ["length", "nesting"], bins: Int = 8,
        featureRanges: [String: ClosedRange<Double>] = [:], exploitation: Double = 0.6, fitnessProportional: Double = 0.25,
        topPrograms: Int = 3, inspirations: Int = 2, migrationInterval: Int = 25, seed: UInt64 = 42
    ) {
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
            migrationInterval: search.migrationInterval, seed: search.seed)
    }
}

/// The archive: a MAP-Elites grid per island over the configured feature dimensions.
///
/// Each successfully scored program gets a cell: per dimension, its value's bin in `bins` equal
/// slices of the dimension's range (fixed from `feature_ranges`, else adaptive: the range of
/// values seen, widened by a quarter of its span whenever a value falls outside, after which the
/// island grids are rebuilt). A cell keeps its best program, the elite.
///
/// `sample(island:)` draws a random number u in [0, 1) and picks the parent:
/// - u < e (exploitation): the island's best program;
/// - e ≤ u < e + f (fitness-proportional): elite i with probability w_i / Σ w_j, where
///   w_i = (φ_i − φ_min) + 0.1·(φ_max − φ_min) + 1e-9 and φ is the fitness (the score, negated
///   when minimizing), so the worst elite keeps a small chance;
/// - otherwise (exploration): an occupied cell c with probability (1 + v_c)⁻¹ / Σ (1 + v_d)⁻¹,
///   where v_c counts how often the cell was sampled or filled, favouring under-visited cells.
/// Failed programs are remembered (so they are never evaluated again) but never become parents.
public struct ProgramDatabase: Sendable {
    public let configuration: ArchiveConfiguration
    private var islands: [Island]
    private var programs: [ProgramID: Program] = [:]
    private var successfulIDs: [ProgramID] = []
    private var hashes: [UInt64: ProgramID] = [:]
    /// The last few failed children of each parent, newest last.
    private var failedChildren: [ProgramID: [ProgramID]] = [:]
    static let failuresKept = 2
    private var ranges: [String: ClosedRange<Double>]
    private var rng: SplitMix64
    public private(set) var best: Program?
    /// The starting program, the parent of last resort while no program has a score.
    public private(set) var root: Program?
    /// Programs added, failed ones included.
    public private(set) var count = 0

    struct Island: Sendable {
        var elites: [Int: ProgramID] = [:]
        var visits: [Int: Int] = [:]
        /// Best first, at most `topPrograms + 1` long.
        var top: [ProgramID] = []
        var members: [ProgramID] = []
        /// Hashes of every scored program's code on this island.
        var codeHashes: Set<UInt64> = []
    }

    public init(configuration: ArchiveConfiguration) {
        self.configuration = configuration
        islands = Array(repeating: Island(), count: max(1, configuration.islands))
        ranges = configuration.featureRanges
        rng = SplitMix64(seed: configuration.seed)
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

    public var islandCount: Int { islands.count }

    /// Adds a program (keeping no prompt text in memory; the store has it).
    @discardableResult
    public mutating func add(_ program: Program) -> AddOutcome {
        var program = program
        program.generationRecord = nil
        count += 1
        programs[program.id] = program
        hashes[codeHash(program.code)] = program.id
        if program.origin == .initial, root == nil { root = program }
        guard let score = program.score else {
            if let parent = program.parentID, program.origin == .mutation {
                failedChildren[parent, default: []].append(program.id)
                if failedChildren[parent]!.count > Self.failuresKept { failedChildren[parent]!.removeFirst() }
            }
            return AddOutcome(isNewBest: false, isElite: false, cell: nil)
        }
        let islandIndex = min(max(program.island, 0), islands.count - 1)
        successfulIDs.append(program.id)
        islands[islandIndex].members.append(program.id)
        islands[islandIndex].codeHashes.insert(codeHash(program.code))
        var isNewBest = false
        if best.flatMap({ $0.score }).map({ configuration.goal.isBetter(score, than: $0) }) ?? true {
            best = program
            isNewBest = true
        }
        insertTop(program.id, score: score, island: islandIndex)
        if widenRanges(for: program) {
            rebuildGrids()
            let cell = self.cell(of: program)
            islands[islandIndex].visits[cell, default: 0] += 1
            return AddOutcome(isNewBest: isNewBest, isElite: islands[islandIndex].elites[cell] == program.id, cell: cell)
        }
        let cell = self.cell(of: program)
        let isElite = place(program.id, score: score, cell: cell, island: islandIndex)
        islands[islandIndex].visits[cell, default: 0] += 1
        return AddOutcome(isNewBest: isNewBest, isElite: isElite, cell: cell)
    }

    /// Chooses a parent, top programs and inspirations for one iteration on `island`.
    public mutating func sample(island requested: Int) -> Selection? {
        let islandIndex = ((requested % islands.count) + islands.count) % islands.count
        var island = islands[islandIndex]
        let elites = Array(island.elites).sorted { $0.key < $1.key }
        guard !elites.isEmpty else {
            // Nothing scored here yet: the island's best from elsewhere, else the starting program.
            guard let parent = best ?? root else { return nil }
            return Selection(parent: parent, topPrograms: [], inspirations: [], island: islandIndex, failedChildren: failures(of: parent.id))
        }
        let u = Double.random(in: 0..<1, using: &rng)
        let parentCell: Int
        if u < configuration.exploitation, let first = island.top.first, let cell = elites.first(where: { $0.value == first })?.key {
            parentCell = cell
        } else if u < configuration.exploitation + configuration.fitnessProportional {
            let fitness = elites.map { configuration.goal.fitness(programs[$0.value]?.score ?? 0) }
            let low = fitness.min()!, high = fitness.max()!
            let weights = fitness.map { ($0 - low) + 0.1 * (high - low) + 1e-9 }
            parentCell = elites[pick(weights)].key
        } else {
            parentCell = elites[pick(elites.map { 1 / Double(1 + island.visits[$0.key, default: 0]) })].key
        }
        island.visits[parentCell, default: 0] += 1
        let parent = programs[island.elites[parentCell]!]!
        let top = island.top.filter { $0 != parent.id }.prefix(configuration.topPrograms).compactMap { programs[$0] }
        let topIDs = Set(top.map(\.id))
        var pool = elites.filter { $0.key != parentCell && !topIDs.contains($0.value) }.map(\.value)
        if pool.count < configuration.inspirations {
            for other in islands.indices where other != islandIndex {
                pool += islands[other].elites.values.filter { $0 != parent.id && !pool.contains($0) }
            }
        }
        pool.shuffle(using: &rng)
        let inspirations = pool.prefix(configuration.inspirations).compactMap { programs[$0] }
        islands[islandIndex] = island
        return Selection(
            parent: parent, topPrograms: Array(top), inspirations: inspirations, island: islandIndex,
            failedChildren: failures(of: parent.id))
    }

    private func failures(of parent: ProgramID) -> [Program] {
        (failedChildren[parent] ?? []).reversed().compactMap { programs[$0] }
    }

    /// Ring migration: a copy of each island's best moves to the next island unless that island
    /// already holds the same code. Returns the copies; the caller stores them, then adds them.
    public func migrants(makeID: () -> ProgramID) -> [Program] {
        guard islands.count > 1 else { return [] }
        var result: [Program] = []
        for index in islands.indices {
            guard let bestID = islands[index].top.first, let program = programs[bestID] else { continue }
            let destination = (index + 1) % islands.count
            let hash = codeHash(program.code)
            let holdsSame = islands[destination].codeHashes.contains(hash)
            if holdsSame { continue }
            var migrant = program
            migrant.id = makeID()
            migrant.parentID = program.id
            migrant.origin = .migration
            migrant.iteration = 0
            migrant.island = destination
            migrant.createdAt = Date()
            result.append(migrant)
        }
        return result
    }

    /// Best programs of an island (or of all islands), best first.
    public func topPrograms(island: Int? = nil, limit: Int) -> [Program] {
        let ids = island.map { islands[$0].top } ?? successfulIDs
        return ids.compactMap { programs[$0] }
            .sorted { configuration.goal.isBetter($0.score!, than: $1.score!) }
            .prefix(limit).map { $0 }
    }

    /// Number of occupied cells per island.
    public var occupiedCells: [Int] { islands.map(\.elites.count) }

    // MARK: - Grid

    private mutating func insertTop(_ id: ProgramID, score: Double, island: Int) {
        var top = islands[island].top
        let index = top.firstIndex { configuration.goal.isBetter(score, than: programs[$0]?.score ?? 0) } ?? top.count
        top.insert(id, at: index)
        if top.count > configuration.topPrograms + 1 { top.removeLast() }
        islands[island].top = top
    }

    private mutating func place(_ id: ProgramID, score: Double, cell: Int, island: Int) -> Bool {
        if let current = islands[island].elites[cell], let currentScore = programs[current]?.score,
            !configuration.goal.isBetter(score, than: currentScore)
        {
            return false
        }
        islands[island].elites[cell] = id
        return true
    }

    private func cell(of program: Program) -> Int {
        var cell = 0
        for name in configuration.features {
            let bins = configuration.bins
            var bin = 0
            if let value = program.features[name], let range = ranges[name], range.upperBound > range.lowerBound {
                let position = (value - range.lowerBound) / (range.upperBound - range.lowerBound)
                bin = min(bins - 1, max(0, Int(position * Double(bins))))
            }
            cell = cell * bins + bin
        }
        return cell
    }

    /// Widens adaptive ranges to cover the program's features; true when a range changed.
    private mutating func widenRanges(for program: Program) -> Bool {
        var changed = false
        for name in configuration.features where configuration.featureRanges[name] == nil {
            guard let value = program.features[name] else { continue }
            guard let range = ranges[name] else {
                ranges[name] = (value - max(1, abs(value) * 0.25))...(value + max(1, abs(value) * 0.25))
                changed = true
                continue
            }
            if !range.contains(value) {
                let low = min(range.lowerBound, value), high = max(range.upperBound, value)
                let margin = (high - low) * 0.25
                ranges[name] = (value < range.lowerBound ? low - margin : low)...(value > range.upperBound ? high + margin : high)
                changed = true
            }
        }
        return changed
    }

    private mutating func rebuildGrids() {
        for index in islands.indices {
            islands[index].elites = [:]
            // Cell numbers changed meaning; old visit counts would point at the wrong cells.
            islands[index].visits = [:]
            for id in islands[index].members {
                guard let program = programs[id], let score = program.score else { continue }
                _ = place(id, score: score, cell: cell(of: program), island: index)
            }
        }
    }

    private mutating func pick(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var target = Double.random(in: 0..<total, using: &rng)
        for (index, weight) in weights.enumerated() {
            target -= weight
            if target < 0 { return index }
        }
        return weights.count - 1
    }
}
