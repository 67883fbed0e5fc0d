import EvolveCore
import EvolveDatabase
import Foundation
import Testing

/// `search.strategy: funsearch`: islands without migration, periodic resets of the weaker half,
/// a cooling softmax over score clusters, shorter code preferred within a cluster.
@Suite struct FunSearchStrategyTests {
    /// Four islands with bests 9, 7, 3 and 1 (and a weaker program each).
    static func fourIslands(resetInterval: Int = 5, seed: UInt64 = 7) -> ProgramDatabase {
        var database = Grid.archive(.funsearch, islands: 4, seed: seed) { $0.funsearch.resetInterval = resetInterval }
        database.add(Grid.program("root", score: 0, origin: .initial))
        for (island, best) in [9.0, 7, 3, 1].enumerated() {
            database.add(Grid.child("best-\(island)", of: "root", score: best, island: island))
            database.add(Grid.child("weak-\(island)", of: "root", score: best - 0.5, island: island))
        }
        return database
    }

    @Test func everyResetIntervalTheWeakerHalfHoldsOnlyACopyOfASurvivorsBest() throws {
        var database = Self.fourIslands()
        let ids = CopyIDs()
        for index in 1...4 {
            let made = database.addChild(Grid.child("c\(index)", of: "root", score: -1, island: index % 4), makeID: ids.make)
            #expect(made.isEmpty, "no reset and no migration before reset_interval children")
        }
        let copies = database.addChild(Grid.child("c5", of: "root", score: -1, island: 1), makeID: ids.make)
        #expect(copies.map(\.island) == [2, 3], "the islands whose bests are 3 and 1 are reset")
        for copy in copies {
            #expect(copy.origin == .migration)
            #expect(["best-0", "best-1"].contains(copy.parentID?.rawValue ?? ""), "\(copy.parentID as Any)")
            #expect(copy.code == database.program(copy.parentID!)?.code)
        }
        for (copy, island) in zip(copies, [2, 3]) {
            #expect(database.topPrograms(island: island, limit: 10).map(\.id) == [copy.id], "island \(island) holds only the copy")
            #expect(Set(database.parents(30, island: island)) == [copy.id.rawValue])
        }
        #expect(database.topPrograms(island: 0, limit: 10).map(\.id.rawValue) == ["best-0", "weak-0", "root", "c4"], "survivors keep everything")
        #expect(database.topPrograms(island: 1, limit: 10).map(\.id.rawValue) == ["best-1", "weak-1", "c1", "c5"])
    }

    @Test func theSurvivorACopyComesFromIsChosenAtRandom() {
        var sources: Set<String> = []
        for seed in UInt64(1)...20 {
            var database = Self.fourIslands(resetInterval: 1, seed: seed)
            let copies = database.childAdded(makeID: CopyIDs().make)
            sources.formUnion(copies.compactMap { $0.parentID?.rawValue })
        }
        #expect(sources == ["best-0", "best-1"])
    }

    @Test func islandsNeverShareProgramsOtherwise() throws {
        var database = Self.fourIslands(resetInterval: 1000)
        let ids = CopyIDs()
        for index in 0..<40 {
            let made = database.addChild(Grid.child("c\(index)", of: "best-\(index % 4)", score: Double(index % 7), island: index % 4), makeID: ids.make)
            #expect(made.isEmpty)
        }
        for island in 0..<4 {
            for _ in 0..<50 {
                let sampled = database.sample(island: island)
                let selection = try #require(sampled)
                let shown = [selection.parent] + selection.topPrograms + selection.inspirations
                #expect(shown.allSatisfy { $0.island == island }, "island \(island) saw \(shown.map(\.island))")
            }
        }
    }

    @Test func theTemperatureCoolsOverAPeriodAndClustersConcentrate() {
        var database = Grid.archive(.funsearch) {
            $0.funsearch.temperature = 1
            $0.funsearch.temperaturePeriod = 20
        }
        database.add(Grid.program("root", score: 1, origin: .initial))
        database.add(Grid.child("two", of: "root", score: 2))
        database.add(Grid.child("three", of: "root", score: 3))
        // n = 3: T = 1·(1 − 3/20) = 0.85; cluster weights exp(z/T) for z = −1, −0.5, 0.
        let early = shares(database.parents(20_000))
        let t = 0.85, total = exp(-1 / t) + exp(-0.5 / t) + 1
        #expect(abs(early["three", default: 0] - 1 / total) < 0.015, "\(early)")
        #expect(abs(early["two", default: 0] - exp(-0.5 / t) / total) < 0.015, "\(early)")
        #expect(early["root", default: 0] > 0.12, "early samples spread over the clusters: \(early)")
        for index in 0..<16 { database.add(Grid.child("one-\(index)", of: "root", score: 1)) }
        // n = 19: T = 0.05, so the best cluster outweighs the next by e^10.
        let late = shares(database.parents(5_000))
        #expect(late["three", default: 0] > 0.99, "late samples concentrate on the best cluster: \(late)")
        database.add(Grid.child("one-16", of: "root", score: 1))
        // n = 20: the period starts again at T0.
        let again = shares(database.parents(20_000))
        #expect(abs(again["three", default: 0] - 1 / (exp(-1) + exp(-0.5) + 1)) < 0.015, "\(again)")
    }

    @Test func theTemperatureFollowsTheSchedule() {
        var configuration = Grid.configuration(islands: 2)
        configuration.search.funsearch.temperature = 0.5
        configuration.search.funsearch.temperaturePeriod = 4
        var strategy = FunSearchStrategy(configuration: configuration)
        var temperatures: [Double] = []
        for index in 0..<6 {
            _ = strategy.add(Grid.program("p\(index)", score: Double(index)))
            temperatures.append(strategy.temperature(island: 0))
        }
        #expect(temperatures == [0.375, 0.25, 0.125, 0.5, 0.375, 0.25])
        #expect(strategy.temperature(island: 1) == 0.5, "an island's schedule counts its own programs")
    }

    @Test func withinAClusterShorterCodeIsPreferred() {
        var database = Grid.archive(.funsearch)
        database.add(Grid.child("short", of: "root", score: 4))
        database.add(Grid.child("long", of: "root", score: 4, padding: 200))
        let observed = shares(database.parents(20_000))
        // Weights exp(0) and exp(−1).
        #expect(abs(observed["short", default: 0] - 1 / (1 + exp(-1))) < 0.015, "\(observed)")
    }

    @Test func scoresAreClusteredToThePrecision() {
        for (precision, clusters) in [(0.0, 4), (1.0, 2)] {
            var database = Grid.archive(.funsearch) { $0.funsearch.clusterPrecision = precision }
            for (index, score) in [2.9, 3.0, 3.1, 1.0].enumerated() { database.add(Grid.child("p\(index)", of: "root", score: score)) }
            #expect(database.occupiedCells == [clusters], "precision \(precision)")
        }
    }
}
