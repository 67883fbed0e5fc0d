import EvolveCore
import EvolveDatabase
import Foundation

extension Grid {
    /// A scored child of `parent` with code of its own (`padding` extra characters make it longer).
    static func child(_ id: String, of parent: String, score: Double, island: Int = 0, padding: Int = 0) -> Program {
        var program = Grid.program(id, score: score, island: island, code: "# program \(id)\n" + String(repeating: "#", count: padding) + "\n")
        program.parentID = ProgramID(parent)
        return program
    }

    /// A failed child of `parent`.
    static func failedChild(_ id: String, of parent: String, island: Int = 0) -> Program {
        var program = Grid.failed(id, island: island)
        program.parentID = ProgramID(parent)
        return program
    }

    /// An archive of `strategy` on `islands` islands, changed by `configure`.
    static func archive(
        _ strategy: SearchConfiguration.Strategy, islands: Int = 1, goal: Goal = Goal(), seed: UInt64 = 7,
        _ configure: (inout SearchConfiguration) -> Void = { _ in }
    ) -> ProgramDatabase {
        var configuration = Grid.configuration(goal: goal, islands: islands, seed: seed)
        configuration.search.strategy = strategy
        configure(&configuration.search)
        return ProgramDatabase(configuration: configuration)
    }
}

extension ProgramDatabase {
    /// Adds a child and runs the archive's bookkeeping after it, adding what that made (as the
    /// controller does); returns what was made.
    @discardableResult
    mutating func addChild(_ program: Program, makeID: () -> ProgramID) -> [Program] {
        add(program)
        let made = childAdded(makeID: makeID)
        for copy in made { add(copy) }
        return made
    }
}

/// Fresh ids `copy-1`, `copy-2`, ….
final class CopyIDs {
    private var next = 0
    func make() -> ProgramID {
        next += 1
        return ProgramID("copy-\(next)")
    }
}

/// The share of each value among `values`.
func shares(_ values: [String]) -> [String: Double] {
    tally(values).mapValues { Double($0) / Double(values.count) }
}
