import EvolveCore

/// The two baselines a search is measured against (`search.strategy: random | greedy`).
///
/// - `random`: every child is a mutation of the starting program: independent samples, no evolution.
/// - `greedy`: every child is a mutation of the best program so far: hill climbing.
///
/// Both keep one flat archive (no islands, no grid) and show the model no other programs, so
/// they isolate what the archive and its sampling add.
public struct BaselineStrategy: SearchStrategy {
    public enum Parent: Sendable { case root, best }

    let configuration: ArchiveConfiguration
    let parent: Parent
    private var scored: [Program] = []

    public init(configuration: ArchiveConfiguration, parent: Parent) {
        self.configuration = configuration
        self.parent = parent
    }

    public mutating func add(_ program: Program) -> Placement {
        scored.append(program)
        return Placement(isElite: true, cell: nil)
    }

    public mutating func sample(island: Int, context: SamplingContext) -> Selection? {
        let chosen: Program?
        switch parent {
        case .root: chosen = context.root ?? context.best
        case .best: chosen = context.best ?? context.root
        }
        return chosen.map { Selection(parent: $0, topPrograms: [], inspirations: [], island: 0) }
    }

    public func topPrograms(island: Int?, limit: Int) -> [Program] {
        scored.best(limit, goal: configuration.goal)
    }

    public var occupiedCells: [Int] { [scored.count] }
}
