import EvolveCore
import EvolveDatabase
import Testing

/// `search.spawn_after`: an island strategy gains an island, seeded with the best program, after
/// that many children without a new best, up to `search.max_islands`.
@Suite struct DynamicIslandsTests {
    static let islandStrategies: [SearchConfiguration.Strategy] = [.mapElites, .funsearch]

    static func archive(_ strategy: SearchConfiguration.Strategy, spawnAfter: Int = 3, maxIslands: Int = 3) -> ProgramDatabase {
        var database = Grid.archive(strategy, islands: 2) {
            $0.spawnAfter = spawnAfter
            $0.maxIslands = maxIslands
            $0.migrationInterval = 1000
            $0.funsearch.resetInterval = 1000
        }
        let root = Grid.program("root", score: 1, origin: .initial)
        database.add(root)
        for copy in database.seedCopies(of: root, makeID: CopyIDs().make) { database.add(copy) }
        return database
    }

    @Test(arguments: islandStrategies)
    func anIslandSpawnsAfterNStagnantChildrenUpToTheCap(_ strategy: SearchConfiguration.Strategy) throws {
        var database = Self.archive(strategy)
        let ids = CopyIDs()
        #expect(database.addChild(Grid.child("best", of: "root", score: 5), makeID: ids.make).isEmpty)
        #expect(database.addChild(Grid.child("s1", of: "best", score: 2), makeID: ids.make).isEmpty)
        #expect(database.addChild(Grid.failedChild("s2", of: "best"), makeID: ids.make).isEmpty)
        let spawned = database.addChild(Grid.child("s3", of: "best", score: 3, island: 1), makeID: ids.make)
        let seed = try #require(spawned.first)
        #expect(spawned.count == 1)
        #expect(seed.island == 2 && seed.origin == .migration && seed.parentID == ProgramID("best"))
        #expect(database.islandCount == 3)
        #expect(database.sample(iteration: 2)?.parent.id == seed.id, "the new island's first program is the copy of the best")
        for index in 0..<10 {
            #expect(database.addChild(Grid.child("t\(index)", of: "best", score: 2, island: index % 3), makeID: ids.make).isEmpty, "the cap")
        }
        #expect(database.islandCount == 3)
    }

    @Test(arguments: islandStrategies)
    func aNewBestRestartsTheCount(_ strategy: SearchConfiguration.Strategy) {
        var database = Self.archive(strategy, maxIslands: 8)
        let ids = CopyIDs()
        var made: [Program] = []
        for (id, score) in [("a", 0.5), ("b", 0.5), ("c", 6), ("d", 0.5), ("e", 0.5)] {
            made += database.addChild(Grid.child(id, of: "root", score: score), makeID: ids.make)
        }
        #expect(made.isEmpty && database.islandCount == 2)
        made += database.addChild(Grid.child("f", of: "root", score: 0.5), makeID: ids.make)
        #expect(made.map(\.parentID) == [ProgramID("c")], "three stagnant children after the best c")
        for id in ["g", "h"] { made += database.addChild(Grid.child(id, of: "root", score: 0.5), makeID: ids.make) }
        #expect(made.count == 1, "the count starts again after a spawn")
        made += database.addChild(Grid.child("i", of: "root", score: 0.5), makeID: ids.make)
        #expect(made.map(\.island) == [2, 3])
    }

    @Test func withoutSpawnAfterTheIslandsStayAsConfigured() {
        var database = Grid.archive(.mapElites, islands: 2)
        database.add(Grid.program("root", score: 1, origin: .initial))
        for index in 0..<30 { database.addChild(Grid.child("c\(index)", of: "root", score: 0), makeID: CopyIDs().make) }
        #expect(database.islandCount == 2)
    }

    @Test func aResumedRunRebuildsTheSpawnedIslands() {
        var database = Self.archive(.funsearch)
        let ids = CopyIDs()
        var all: [Program] = []
        for (id, score) in [("best", 5.0), ("s1", 2), ("s2", 2), ("s3", 2)] {
            let child = Grid.child(id, of: "root", score: score)
            all.append(child)
            all += database.addChild(child, makeID: ids.make)
        }
        #expect(database.islandCount == 3)
        var resumed = Self.archive(.funsearch)
        for program in all { resumed.add(program) }
        #expect(resumed.islandCount == 3)
        #expect(resumed.topPrograms(island: 2, limit: 5).map(\.id) == database.topPrograms(island: 2, limit: 5).map(\.id))
    }
}
