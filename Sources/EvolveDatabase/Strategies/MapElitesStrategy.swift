import EvolveCore
import Foundation

/// `search.strategy: map_elites` (the default): a MAP-Elites grid per island over the configured feature dimensions.
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
/// Islands are sampled round-robin (iteration n on island n mod islands); every
/// `migration_interval` additions, each island's best moves to the next island (a ring). With
/// `spawn_after`, islands the archive layer spawns join the ring.
public struct MapElitesStrategy: SearchStrategy {
    public let configuration: ArchiveConfiguration
    private var islands: [Island]
    private var programs: [ProgramID: Program] = [:]
    private var successfulIDs: [ProgramID] = []
    private var ranges: [String: ClosedRange<Double>]
    private var rng: SplitMix64

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

    public var islandCount: Int { islands.count }

    public func seedCopies(of initial: Program, makeID: () -> ProgramID) -> [Program] {
        (1..<islands.count).map { initial.copy(toIsland: $0, id: makeID()) }
    }

    /// Files a scored program in its island's grid.
    public mutating func add(_ program: Program) -> Placement {
        guard let score = program.score else { return Placement(isElite: false, cell: nil) }
        programs[program.id] = program
        if configuration.spawnAfter != nil, program.island >= islands.count {
            islands += Array(repeating: Island(), count: program.island - islands.count + 1)
        }
        let islandIndex = min(max(program.island, 0), islands.count - 1)
        successfulIDs.append(program.id)
        islands[islandIndex].members.append(program.id)
        islands[islandIndex].codeHashes.insert(codeHash(program.code))
        insertTop(program.id, score: score, island: islandIndex)
        if widenRanges(for: program) {
            rebuildGrids()
            let cell = self.cell(of: program)
            islands[islandIndex].visits[cell, default: 0] += 1
            return Placement(isElite: islands[islandIndex].elites[cell] == program.id, cell: cell)
        }
        let cell = self.cell(of: program)
        let isElite = place(program.id, score: score, cell: cell, island: islandIndex)
        islands[islandIndex].visits[cell, default: 0] += 1
        return Placement(isElite: isElite, cell: cell)
    }

    public var maintenanceInterval: Int { configuration.migrationInterval }

    public func maintenance(makeID: () -> ProgramID) -> [Program] { migrants(makeID: makeID) }

    /// Chooses a parent, top programs and inspirations for one iteration on `island`.
    public mutating func sample(island requested: Int, context: SamplingContext) -> Selection? {
        let islandIndex = ((requested % islands.count) + islands.count) % islands.count
        var island = islands[islandIndex]
        let elites = Array(island.elites).sorted { $0.key < $1.key }
        guard !elites.isEmpty else {
            // Nothing scored here yet: the island's best from elsewhere, else the starting program.
            guard let parent = context.best ?? context.root else { return nil }
            return Selection(parent: parent, topPrograms: [], inspirations: [], island: islandIndex)
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
                // In cell order: a dictionary's own order changes from process to process.
                pool += islands[other].elites.sorted { $0.key < $1.key }.map(\.value).filter { $0 != parent.id && !pool.contains($0) }
            }
        }
        pool.shuffle(using: &rng)
        let inspirations = pool.prefix(configuration.inspirations).compactMap { programs[$0] }
        islands[islandIndex] = island
        var selection = Selection(parent: parent, topPrograms: Array(top), inspirations: inspirations, island: islandIndex)
        selection.otherIslands = otherIslandBests(island: islandIndex, besides: selection)
        return selection
    }

    /// The best of each other island (the next ones in the ring first), at most `inspirations` of
    /// them, leaving out programs already shown and copies of the parent. No random draw: the
    /// parent choices of a seeded run stay as they were.
    func otherIslandBests(island: Int, besides selection: Selection) -> [Program] {
        let shown = Set((selection.topPrograms + selection.inspirations).map(\.id) + [selection.parent.id])
        let others = (1..<max(1, islands.count)).map { (island + $0) % islands.count }
        let bests = others.compactMap { islands[$0].top.first.flatMap { programs[$0] } }
        return bests.filter { !shown.contains($0.id) && $0.code != selection.parent.code }.prefix(configuration.inspirations).map { $0 }
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
            result.append(program.copy(toIsland: destination, id: makeID()))
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

    private mutating func pick(_ weights: [Double]) -> Int { rng.index(weightedBy: weights) }
}
