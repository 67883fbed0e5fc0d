import EvolveCore
import EvolveDatabase
import Testing

/// The baselines behind `search.strategy`: `random` always mutates the start, `greedy` the best so far.
@Suite struct BaselineStrategyTests {
    func database(_ strategy: SearchConfiguration.Strategy) -> ProgramDatabase {
        var configuration = Grid.configuration(islands: 3)
        configuration.search.strategy = strategy
        return ProgramDatabase(configuration: configuration)
    }

    @Test func randomAlwaysChoosesTheStartingProgram() {
        var database = database(.random)
        database.add(Grid.program("root", score: 1, origin: .initial))
        #expect(database.islandCount == 1, "the baselines keep one flat archive")
        database.add(Grid.program("better", score: 5, x: 1))
        database.add(Grid.program("best", score: 9, x: 2))
        let parents = (1...20).compactMap { database.sample(iteration: $0)?.parent.id.rawValue }
        #expect(parents == Array(repeating: "root", count: 20))
        #expect(database.sample(iteration: 1)?.topPrograms.isEmpty == true, "the model sees no other programs")
    }

    @Test func greedyAlwaysChoosesTheBestSoFar() {
        var database = database(.greedy)
        database.add(Grid.program("root", score: 1, origin: .initial))
        #expect(database.sample(iteration: 1)?.parent.id == ProgramID("root"))
        database.add(Grid.program("better", score: 5, x: 1))
        #expect(database.sample(iteration: 2)?.parent.id == ProgramID("better"))
        database.add(Grid.program("worse", score: 3, x: 2))
        database.add(Grid.failed("broken"))
        #expect(database.sample(iteration: 3)?.parent.id == ProgramID("better"), "neither worse nor failed children replace the best")
        database.add(Grid.program("best", score: 9, x: 3))
        let parents = (4...10).compactMap { database.sample(iteration: $0)?.parent.id.rawValue }
        #expect(parents == Array(repeating: "best", count: 7))
    }

    @Test func greedyFollowsTheGoalsDirection() {
        var configuration = Grid.configuration(goal: Goal(direction: .minimize))
        configuration.search.strategy = .greedy
        var database = ProgramDatabase(configuration: configuration)
        database.add(Grid.program("root", score: 10, origin: .initial))
        database.add(Grid.program("lower", score: 2, x: 1))
        database.add(Grid.program("higher", score: 20, x: 2))
        #expect(database.sample(iteration: 1)?.parent.id == ProgramID("lower"))
    }

    @Test func aFailedStartIsStillTheParentOfLastResort() {
        for strategy in SearchConfiguration.Strategy.allCases {
            var database = database(strategy)
            database.add(Grid.failed("root", origin: .initial))
            #expect(database.sample(iteration: 1)?.parent.id == ProgramID("root"), "\(strategy)")
        }
    }

    @Test func baselinesMakeNoSeedCopiesAndNoMigrants() {
        for strategy in [SearchConfiguration.Strategy.random, .greedy] {
            var database = database(strategy)
            let root = Grid.program("root", score: 1, origin: .initial)
            database.add(root)
            #expect(database.seedCopies(of: root, makeID: { ProgramID("copy") }).isEmpty)
            for index in 0..<30 { database.add(Grid.program("child-\(index)", score: Double(index))) }
            let made = (0..<30).flatMap { _ in database.childAdded(makeID: { ProgramID("migrant") }) }
            #expect(made.isEmpty)
        }
    }
}
