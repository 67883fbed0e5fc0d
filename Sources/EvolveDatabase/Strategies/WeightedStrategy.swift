import EvolveCore
import Foundation

/// `search.strategy: weighted`: parents drawn over the whole archive in proportion to a sigmoid of
/// their standardized score, divided by how often they were already a parent (the parent
/// selection of ShinkaEvolve and the Darwin Gödel Machine):
///
///     p(i) ∝ sigmoid(λ·(s_i − median)/MAD) / (1 + children_i)
///
/// where s is the score in the goal's direction (negated when minimizing), median and MAD (the
/// median absolute deviation) are taken over every scored program, and MAD is at least
/// 10⁻⁶·max(1, |median|) so that equal scores do not divide by zero (they all weigh the same).
/// children_i counts the children program i already has, failed ones included, as they are added.
/// The prompt shows the archive's `top_programs` best and `inspirations` others drawn at random.
public struct WeightedStrategy: SearchStrategy {
    public let configuration: ArchiveConfiguration
    private var scored: [Program] = []
    private var rng: SplitMix64

    public init(configuration: ArchiveConfiguration) {
        self.configuration = configuration
        rng = SplitMix64(seed: configuration.seed)
    }

    public mutating func add(_ program: Program) -> Placement {
        guard program.score != nil else { return Placement(isElite: false, cell: nil) }
        scored.append(program)
        return Placement(isElite: true, cell: nil)
    }

    /// Each scored program's weight, in the order they were added.
    public func weights(childCounts: [ProgramID: Int]) -> [Double] {
        let fitness = scored.map { configuration.goal.fitness($0.score!) }
        let median = fitness.median
        let spread = max(fitness.map { abs($0 - median) }.median, 1e-6 * max(1, abs(median)))
        let lambda = configuration.weighted.lambda
        return zip(scored, fitness).map { program, s in
            let sigmoid = 1 / (1 + exp(-lambda * (s - median) / spread))
            return sigmoid / Double(1 + childCounts[program.id, default: 0])
        }
    }

    public mutating func sample(island: Int, context: SamplingContext) -> Selection? {
        guard !scored.isEmpty else {
            return (context.best ?? context.root).map { Selection(parent: $0, topPrograms: [], inspirations: [], island: 0) }
        }
        let parent = scored[rng.index(weightedBy: weights(childCounts: context.childCounts))]
        let top = scored.filter { $0.id != parent.id }.best(configuration.topPrograms, goal: configuration.goal)
        let shown = Set(top.map(\.id) + [parent.id])
        let others = scored.filter { !shown.contains($0.id) }.shuffled(using: &rng)
        return Selection(parent: parent, topPrograms: top, inspirations: Array(others.prefix(configuration.inspirations)), island: 0)
    }

    public func topPrograms(island: Int?, limit: Int) -> [Program] {
        scored.best(limit, goal: configuration.goal)
    }

    public var occupiedCells: [Int] { [scored.count] }
}
