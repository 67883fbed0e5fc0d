import EvolveCore
import EvolveDatabase
import Testing

/// `search.accept_delta`: a child becomes a parent candidate only if it beats its parent by δ.
@Suite struct AcceptanceThresholdTests {
    static let allStrategies = SearchConfiguration.Strategy.allCases.filter { $0 != .random }

    @Test(arguments: allStrategies)
    func aChildBelowTheThresholdIsNeverAParent(_ strategy: SearchConfiguration.Strategy) throws {
        var database = Grid.archive(strategy, islands: 1) { $0.acceptDelta = 1 }
        database.add(Grid.program("root", score: 5, origin: .initial))
        let outcome = database.add(Grid.child("small", of: "root", score: 5.5))
        #expect(outcome.isNewBest && !outcome.isElite, "the best so far, but not a parent candidate")
        #expect(database.best?.id == ProgramID("small"), "it still counts as the best program found")
        #expect(database.count == 2)
        #expect(database.program(withCode: database.program(ProgramID("small"))!.code) != nil, "still a duplicate to later children")
        for _ in 0..<200 {
            let sampled = database.sample(iteration: 0)
            let selection = try #require(sampled)
            let shown = [selection.parent] + selection.topPrograms + selection.inspirations
            #expect(!shown.contains { $0.id == ProgramID("small") }, "\(strategy)")
        }
        database.add(Grid.child("big", of: "root", score: 6.5, padding: 1))
        #expect(database.parents(200).contains("big"), "\(strategy): a child that beats its parent by δ is a parent")
    }

    @Test func exactlyDeltaIsEnoughAndTheGoalsDirectionCounts() {
        var database = Grid.archive(.greedy, goal: Goal(direction: .minimize)) { $0.acceptDelta = 1 }
        database.add(Grid.program("root", score: 5, origin: .initial))
        database.add(Grid.child("lower", of: "root", score: 4.5))
        #expect(database.sample(iteration: 0)?.parent.id == ProgramID("root"), "0.5 lower is below δ = 1")
        database.add(Grid.child("much-lower", of: "root", score: 4))
        #expect(database.sample(iteration: 0)?.parent.id == ProgramID("much-lower"), "exactly δ lower is accepted")
        database.add(Grid.child("worse-child", of: "much-lower", score: 3.5))
        #expect(database.sample(iteration: 0)?.parent.id == ProgramID("much-lower"), "δ is measured against the child's own parent")
    }

    @Test func withoutTheThresholdEveryScoredChildIsACandidate() {
        var database = Grid.archive(.greedy)
        database.add(Grid.program("root", score: 5, origin: .initial))
        database.add(Grid.child("small", of: "root", score: 5.01))
        #expect(database.sample(iteration: 0)?.parent.id == ProgramID("small"))
    }
}
