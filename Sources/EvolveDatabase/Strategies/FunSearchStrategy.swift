import EvolveCore
import Foundation

/// `search.strategy: funsearch`: FunSearch's islands.
///
/// - Islands never exchange programs. Every `funsearch.reset_interval` children, the weaker half
///   of the islands (ranked by their best score; ties keep the lower-numbered island) is emptied,
///   and each is reseeded with a copy of the best program of a surviving island chosen at random.
///   The archive layer stores the copy and adds it; a copy arriving on an island (a seed copy, a
///   reset or a spawned island) replaces what the island held, so a resumed run replays resets.
/// - Within an island, programs are clustered by score (rounded to multiples of
///   `funsearch.cluster_precision` when it is above 0). Cluster c is chosen with probability
///   ∝ exp(z_c / T), where z_c = (f_c − f_max)/(f_max − f_min) is its fitness (the score in the
///   goal's direction) scaled to [−1, 0] over the island's clusters (0 for all when they are
///   equal), and T = T0·(1 − (n mod P)/P) cools as the island's count of programs n grows
///   (T0: `funsearch.temperature`, P: `funsearch.temperature_period`).
/// - Within the cluster, program i is chosen with probability ∝ exp(−(ℓ_i − ℓ_min)/(ℓ_max − ℓ_min)),
///   ℓ its length in characters: the shortest is e times as likely as the longest.
/// Islands are sampled round-robin; the prompt shows the island's `top_programs` best and
/// `inspirations` other programs of the same island drawn at random.
public struct FunSearchStrategy: SearchStrategy {
    public let configuration: ArchiveConfiguration
    /// The scored programs of each island since its last reset, in the order added.
    private var islands: [[Program]]
    private var additions = 0
    private var rng: SplitMix64

    public init(configuration: ArchiveConfiguration) {
        self.configuration = configuration
        islands = Array(repeating: [], count: max(1, configuration.islands))
        rng = SplitMix64(seed: configuration.seed)
    }

    public var islandCount: Int { islands.count }

    public func seedCopies(of initial: Program, makeID: () -> ProgramID) -> [Program] {
        (1..<islands.count).map { initial.copy(toIsland: $0, id: makeID()) }
    }

    public mutating func add(_ program: Program) -> Placement {
        guard program.score != nil else { return Placement(isElite: false, cell: nil) }
        if configuration.spawnAfter != nil, program.island >= islands.count {
            islands += Array(repeating: [], count: program.island - islands.count + 1)
        }
        let index = min(max(program.island, 0), islands.count - 1)
        if program.origin == .migration { islands[index] = [] }
        islands[index].append(program)
        additions += 1
        return Placement(isElite: true, cell: nil)
    }

    public var maintenanceInterval: Int { configuration.funsearch.resetInterval }

    public func maintenance(makeID: () -> ProgramID) -> [Program] { resetCopies(makeID: makeID) }

    /// The reset: a copy of a random survivor's best for each island of the weaker half.
    public func resetCopies(makeID: () -> ProgramID) -> [Program] {
        guard islands.count > 1 else { return [] }
        let ranked = islands.indices.sorted { isStronger($1, than: $0) }
        let weaker = ranked.prefix(islands.count / 2)
        let survivors = ranked.dropFirst(islands.count / 2).compactMap(best(ofIsland:))
        guard !survivors.isEmpty else { return [] }
        // Maintenance does not change the strategy, so its draws come from a generator of their
        // own, seeded from `search.seed` and the additions so far: reproducible, new each reset.
        var draws = SplitMix64(seed: configuration.seed ^ (UInt64(additions) &* 0x2545_F491_4F6C_DD1D))
        return weaker.sorted().map { survivors.randomElement(using: &draws)!.copy(toIsland: $0, id: makeID()) }
    }

    /// The temperature of the cluster softmax on `island` now.
    public func temperature(island: Int) -> Double {
        let period = configuration.funsearch.temperaturePeriod
        return configuration.funsearch.temperature * (1 - Double(islands[island].count % period) / Double(period))
    }

    public mutating func sample(island requested: Int, context: SamplingContext) -> Selection? {
        let index = ((requested % islands.count) + islands.count) % islands.count
        let members = islands[index]
        guard !members.isEmpty else {
            return (context.best ?? context.root).map { Selection(parent: $0, topPrograms: [], inspirations: [], island: index) }
        }
        let clusters = self.clusters(members)
        let fitness = clusters.map(\.fitness)
        let high = fitness.max()!, span = high - fitness.min()!
        let temperature = self.temperature(island: index)
        let clusterWeights = fitness.map { exp((span > 0 ? ($0 - high) / span : 0) / temperature) }
        let cluster = clusters[rng.index(weightedBy: clusterWeights)].programs
        let lengths = cluster.map { Double($0.code.count) }
        let shortest = lengths.min()!, lengthSpan = lengths.max()! - shortest
        let parent = cluster[rng.index(weightedBy: lengths.map { exp(lengthSpan > 0 ? -($0 - shortest) / lengthSpan : 0) })]
        let top = members.filter { $0.id != parent.id }.best(configuration.topPrograms, goal: configuration.goal)
        let shown = Set(top.map(\.id) + [parent.id])
        let others = members.filter { !shown.contains($0.id) }.shuffled(using: &rng)
        return Selection(parent: parent, topPrograms: top, inspirations: Array(others.prefix(configuration.inspirations)), island: index)
    }

    public func topPrograms(island: Int?, limit: Int) -> [Program] {
        (island.map { islands[$0] } ?? islands.flatMap { $0 }).best(limit, goal: configuration.goal)
    }

    /// Score clusters per island.
    public var occupiedCells: [Int] { islands.map { clusters($0).count } }

    /// The programs of an island grouped by (rounded) score, in the order each cluster first appeared.
    func clusters(_ members: [Program]) -> [(fitness: Double, programs: [Program])] {
        let precision = configuration.funsearch.clusterPrecision
        var order: [Double] = []
        var groups: [Double: [Program]] = [:]
        for program in members {
            let score = program.score!
            let key = precision > 0 ? (score / precision).rounded() * precision : score
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(program)
        }
        return order.map { (configuration.goal.fitness($0), groups[$0]!) }
    }

    private func best(ofIsland index: Int) -> Program? {
        islands[index].best(1, goal: configuration.goal).first
    }

    /// Islands ranked by their best program's fitness; an empty island is the weakest.
    private func isStronger(_ a: Int, than b: Int) -> Bool {
        let fa = best(ofIsland: a).map { configuration.goal.fitness($0.score!) } ?? -.infinity
        let fb = best(ofIsland: b).map { configuration.goal.fitness($0.score!) } ?? -.infinity
        return fa != fb ? fa > fb : a < b
    }
}
