import EvolveCore
import EvolveDatabase
import Testing

/// What the archive hands the prompt beyond the parent: the island's previous attempts, the
/// parent's ancestors and the best programs of other islands.
@Suite struct PromptHistoryTests {
    static func child(_ id: String, of parent: ProgramID, score: Double?, island: Int = 0, iteration: Int) -> Program {
        var program = score.map { Grid.program(id, score: $0, x: Double(iteration % 4), island: island) } ?? Grid.failed(id, island: island)
        program.parentID = parent
        program.iteration = iteration
        return program
    }

    @Test("previous attempts are the island's recent children, failed ones too, newest first, each with its parent")
    func previousAttempts() throws {
        var database = ProgramDatabase(configuration: Grid.configuration(islands: 2, exploitation: 1))
        database.add(Grid.program("root", score: 1, origin: .initial))
        database.add(Grid.program("root-copy", score: 1, island: 1, origin: .migration))
        database.add(Self.child("a", of: ProgramID("root"), score: 2, iteration: 1))
        database.add(Self.child("b", of: ProgramID("a"), score: nil, iteration: 2))
        database.add(Self.child("elsewhere", of: ProgramID("root-copy"), score: 5, island: 1, iteration: 3))
        for iteration in 4...9 { database.add(Self.child("c\(iteration)", of: ProgramID("a"), score: Double(iteration), iteration: iteration)) }
        let selectionSample = database.sample(island: 0)
        let selection = try #require(selectionSample)
        let attempts = selection.previousAttempts
        #expect(attempts.map(\.program.id.rawValue) == ["c9", "c8", "c7", "c6", "c5", "c4"], "the six newest of island 0")
        #expect(attempts.allSatisfy { $0.parent?.id.rawValue == "a" })
        var fresh = ProgramDatabase(configuration: Grid.configuration(islands: 2)).withPrograms([
            Grid.program("root", score: 1, origin: .initial), Self.child("a", of: ProgramID("root"), score: 2, iteration: 1),
            Self.child("b", of: ProgramID("a"), score: nil, iteration: 2),
        ])
        let earlySample = fresh.sample(island: 0)
        let early = try #require(earlySample)
        #expect(early.previousAttempts.map(\.program.id.rawValue) == ["b", "a"], "a failed child is an attempt too")
        #expect(early.previousAttempts.first?.program.result.failureReason == "the evaluator exited with status 1")
        #expect(early.previousAttempts.map { $0.parent?.id.rawValue } == ["a", "root"])
    }

    @Test("the ancestors run from the parent's parent back, passing through copies placed by migration")
    func ancestors() throws {
        var database = ProgramDatabase(configuration: Grid.configuration(islands: 2, exploitation: 1))
        database.add(Grid.program("root", score: 1, origin: .initial))
        database.add(Self.child("a", of: ProgramID("root"), score: 2, iteration: 1))
        var copy = Grid.program("a-copy", score: 2, island: 1, origin: .migration, code: database.program(ProgramID("a"))?.code)
        copy.parentID = ProgramID("a")
        database.add(copy)
        database.add(Self.child("b", of: ProgramID("a-copy"), score: 3, island: 1, iteration: 2))
        database.add(Self.child("c", of: ProgramID("b"), score: 4, island: 1, iteration: 3))
        let selectionSample = database.sample(island: 1)
        let selection = try #require(selectionSample)
        #expect(selection.parent.id.rawValue == "c")
        #expect(selection.ancestors.map(\.id.rawValue) == ["b", "a", "root"])
    }

    @Test("map_elites hands over the best of each other island, not the parent's copies nor programs already shown")
    func otherIslands() throws {
        var database = ProgramDatabase(configuration: Grid.configuration(islands: 3, exploitation: 1, topPrograms: 0, inspirations: 2))
        // Island 0 has inspirations of its own, so none are drawn from the other islands.
        database.add(Grid.program("root", score: 1, origin: .initial))
        database.add(Grid.program("zero-a", score: 3, x: 1))
        database.add(Grid.program("zero-b", score: 2, x: 2))
        database.add(Grid.program("one", score: 10, x: 1, island: 1))
        database.add(Grid.program("one-weaker", score: 8, x: 2, island: 1))
        database.add(Grid.program("two", score: 20, x: 3, island: 2))
        let selectionSample = database.sample(island: 0)
        let selection = try #require(selectionSample)
        #expect(selection.otherIslands.map(\.id.rawValue) == ["one", "two"])
        #expect(selection.otherIslands.map(\.island) == [1, 2])
        #expect(Set(selection.inspirations.map(\.id.rawValue)) == ["root", "zero-b"])
        // A copy of the parent on another island is not shown again.
        var copy = Grid.program("root-copy", score: 30, island: 1, origin: .migration, code: selection.parent.code)
        copy.parentID = selection.parent.id
        database.add(copy)
        let againSample = database.sample(island: 0)
        let again = try #require(againSample)
        #expect(again.otherIslands.map(\.id.rawValue) == ["two"])
        var single = ProgramDatabase(configuration: Grid.configuration(islands: 1))
        single.add(Grid.program("root", score: 1, origin: .initial))
        #expect(single.sample(island: 0)?.otherIslands.isEmpty == true)
    }

    @Test("funsearch keeps its islands apart: no programs from other islands")
    func funSearchIsolation() throws {
        var configuration = Grid.configuration(islands: 2)
        configuration.search.strategy = .funsearch
        var database = ProgramDatabase(configuration: configuration)
        database.add(Grid.program("root", score: 1, origin: .initial))
        database.add(Grid.program("one", score: 10, island: 1))
        let selection = database.sample(island: 0)
        #expect(selection?.otherIslands.isEmpty == true)
    }
}

extension ProgramDatabase {
    /// This database after adding `programs` in order.
    func withPrograms(_ programs: [Program]) -> ProgramDatabase {
        var database = self
        for program in programs { database.add(program) }
        return database
    }
}
