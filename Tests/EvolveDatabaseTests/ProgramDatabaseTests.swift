import EvolveCore
import EvolveDatabase
import Foundation
import Testing

/// Best tracking, failed programs, and how `sample(island:)` chooses parents, top programs and inspirations.
@Suite struct ProgramDatabaseTests {
    @Test(arguments: Goal.Direction.allCases)
    func bestFollowsTheGoal(_ direction: Goal.Direction) {
        var database = ProgramDatabase(configuration: Grid.configuration(goal: Goal(direction: direction)))
        let scores: [Double] = [3, 7, 5, 1, 6]
        var newBest: [Bool] = []
        for (index, score) in scores.enumerated() {
            newBest.append(database.add(Grid.program("p\(index)", score: score, x: Double(index), y: 0)).isNewBest)
        }
        database.add(Grid.failed("failed"))
        database.add(Grid.failed("short", status: .belowThreshold, score: direction == .maximize ? 1000 : -1000))

        switch direction {
        case .maximize:
            #expect(database.best?.id == ProgramID("p1"))
            #expect(newBest == [true, true, false, false, false])
        case .minimize:
            #expect(database.best?.id == ProgramID("p3"))
            #expect(newBest == [true, false, false, true, false])
        }
        #expect(database.count == 7)
        let top = database.topPrograms(limit: 10).compactMap(\.score)
        #expect(top == (direction == .maximize ? [7, 6, 5, 3, 1] : [1, 3, 5, 6, 7]))
    }

    @Test func failedProgramsAreRememberedButNeverBecomeParents() {
        var database = ProgramDatabase(configuration: Grid.configuration(exploitation: 0.3, fitnessProportional: 0.3))
        database.add(Grid.program("root", score: 1, x: 0, y: 0, origin: .initial))
        database.add(Grid.program("good", score: 2, x: 1, y: 1))
        database.add(Grid.failed("crashed", code: "raise SystemExit(1)\n"))
        database.add(Grid.failed("timed-out", status: .timeout, code: "while True: pass\n"))
        // A cascade stage cut this one short; it has a score, but not a final one.
        database.add(Grid.failed("short", status: .belowThreshold, score: 99, code: "VALUE = 99\n"))

        let parents = Set(database.parents(500))
        #expect(parents == ["root", "good"])
        #expect(database.occupiedCells == [2])
        #expect(database.count == 5)

        let found = database.program(withCode: "raise SystemExit(1)\n")
        #expect(found?.id == ProgramID("crashed"))
        #expect(found?.result.status == .crashed)
        #expect(database.program(withCode: "VALUE = 99\n")?.id == ProgramID("short"))
        #expect(database.program(withCode: "while True: pass\n")?.id == ProgramID("timed-out"))
        #expect(database.program(withCode: "never added\n") == nil)
        #expect(database.program(withCode: "raise SystemExit(1)") == nil, "a different text (no newline) is not a duplicate")
        #expect(database.program(ProgramID("good"))?.score == 2)
    }

    @Test func rootIsTheParentWhileNothingHasAScore() {
        var database = ProgramDatabase(configuration: Grid.configuration(islands: 2))
        #expect(database.sample(island: 0) == nil, "an empty archive has nothing to sample")
        database.add(Grid.failed("root", origin: .initial, code: "def solve(): pass\n"))
        database.add(Grid.failed("child", code: "def solve(): return 1\n"))
        #expect(database.root?.id == ProgramID("root"))
        for island in [0, 1] {
            let selection = database.sample(island: island)
            #expect(selection?.parent.id == ProgramID("root"))
            #expect(selection?.topPrograms.isEmpty == true)
            #expect(selection?.inspirations.isEmpty == true)
            #expect(selection?.island == island)
        }
        // Once something scores, an island without elites gets the best program instead.
        database.add(Grid.program("scored", score: 3, island: 0))
        #expect(database.sample(island: 1)?.parent.id == ProgramID("scored"))
        #expect(database.sample(island: 0)?.parent.id == ProgramID("scored"))
    }

    @Test func islandIndexWrapsAround() {
        var database = ProgramDatabase(configuration: Grid.configuration(islands: 2, exploitation: 1))
        database.add(Grid.program("a", score: 1, island: 0))
        database.add(Grid.program("b", score: 2, island: 1))
        #expect(database.sample(island: 2)?.parent.id == ProgramID("a"))
        #expect(database.sample(island: 3)?.parent.id == ProgramID("b"))
        #expect(database.sample(island: -1)?.island == 1)
    }

    @Test(arguments: Goal.Direction.allCases)
    func fullExploitationAlwaysPicksTheIslandBest(_ direction: Goal.Direction) {
        var database = ProgramDatabase(configuration: Grid.configuration(goal: Goal(direction: direction), islands: 2, exploitation: 1))
        let scores: [Double] = [4, 9, 2, 7, 5]
        for (index, score) in scores.enumerated() {
            database.add(Grid.program("i0-\(index)", score: score, x: Double(index % 4), y: Double(index / 4), island: 0))
        }
        // The global best lives on island 1; island 0 must still exploit its own best.
        database.add(Grid.program("i1-best", score: direction == .maximize ? 100 : -100, island: 1))
        let expected = direction == .maximize ? "i0-1" : "i0-2"
        #expect(Set(database.parents(300, island: 0)) == [expected])
        #expect(Set(database.parents(50, island: 1)) == ["i1-best"])
    }

    @Test(arguments: Goal.Direction.allCases)
    func fitnessProportionalChoiceFollowsTheDocumentedWeights(_ direction: Goal.Direction) async {
        var database = ProgramDatabase(
            configuration: Grid.configuration(goal: Goal(direction: direction), fitnessProportional: 1, seed: 2024))
        let scores: [String: Double] = ["a": 1, "b": 2, "c": 3, "d": 5]
        for (index, (id, score)) in scores.sorted(by: { $0.key < $1.key }).enumerated() {
            database.add(Grid.program(id, score: score, x: Double(index), y: 0))
        }
        // Documented: w_i = (φ_i − φ_min) + 0.1·(φ_max − φ_min) + 1e-9, φ = score (negated when minimizing).
        let fitness = scores.mapValues { direction == .maximize ? $0 : -$0 }
        let low = fitness.values.min()!, high = fitness.values.max()!
        let weights = fitness.mapValues { ($0 - low) + 0.1 * (high - low) + 1e-9 }
        let total = weights.values.reduce(0, +)

        let samples = 20_000
        var parents: [String] = []
        for _ in 0..<20 {
            parents += database.parents(samples / 20)
            await Task.yield()
        }
        let counts = tally(parents)
        for (id, weight) in weights {
            let expected = Double(samples) * weight / total
            let observed = Double(counts[id, default: 0])
            #expect(abs(observed - expected) <= 0.2 * expected, "\(id): \(observed) samples, expected about \(expected)")
        }
        // The worst elite keeps a small but real chance.
        let worst = direction == .maximize ? "a" : "d"
        #expect(counts[worst, default: 0] > 0)
    }

    @Test func explorationFollowsTheDocumentedVisitWeights() async {
        // Cell A was filled 9 times (v = 9), cell B once (v = 1): B is chosen with probability
        // (1/2) / (1/2 + 1/10) = 5/6 by the documented formula. Check it over many seeds.
        var choseB = 0
        let runs = 1_000
        for seed in 0..<UInt64(runs) {
            if seed % 100 == 0 { await Task.yield() }
            var database = ProgramDatabase(configuration: Grid.configuration(seed: seed))
            database.add(Grid.program("a", score: 10, x: 0, y: 0))
            for extra in 1..<9 {
                database.add(Grid.program("a\(extra)", score: 1, x: 0.5, y: 0.5))
            }
            database.add(Grid.program("b", score: 2, x: 3, y: 3))
            if database.sample(island: 0)?.parent.id == ProgramID("b") { choseB += 1 }
        }
        let share = Double(choseB) / Double(runs)
        #expect(share > 0.78 && share < 0.89, "B chosen \(share) of the time; 5/6 expected")
    }

    @Test func explorationPrefersUnderVisitedCells() {
        var database = ProgramDatabase(configuration: Grid.configuration())
        database.add(Grid.program("crowded", score: 100, x: 0, y: 0))
        for index in 0..<199 {
            database.add(Grid.program("loser\(index)", score: 1, x: 0.2, y: 0.2))
        }
        database.add(Grid.program("quiet", score: 1, x: 3, y: 3))
        #expect(database.occupiedCells == [2])
        let counts = tally(database.parents(20))
        #expect(counts["quiet", default: 0] >= 16, "\(counts)")
        // Sampling counts as visiting: over many samples both cells get their turn.
        let later = tally(database.parents(2_000))
        #expect(later["crowded", default: 0] > 500, "\(later)")
    }

    @Test(arguments: Goal.Direction.allCases)
    func topProgramsAreBestFirstAndExcludeTheParent(_ direction: Goal.Direction) {
        var database = ProgramDatabase(
            configuration: Grid.configuration(goal: Goal(direction: direction), exploitation: 0.3, fitnessProportional: 0.3))
        for score in 1...8 {
            database.add(Grid.program("s\(score)", score: Double(score), x: Double(score % 4), y: Double(score / 4)))
        }
        var parents: Set<ProgramID> = []
        for _ in 0..<300 {
            guard let selection = database.sample(island: 0) else {
                Issue.record("no selection")
                return
            }
            parents.insert(selection.parent.id)
            let top = selection.topPrograms
            #expect(top.count == 3)
            #expect(!top.contains { $0.id == selection.parent.id })
            let scores = top.compactMap(\.score)
            #expect(scores == scores.sorted(by: { Goal(direction: direction).isBetter($0, than: $1) }))
            // They are the island's best programs other than the parent.
            let expected = (1...8).map(Double.init).filter { $0 != selection.parent.score }
                .sorted(by: { Goal(direction: direction).isBetter($0, than: $1) }).prefix(3)
            #expect(scores == Array(expected))
        }
        #expect(parents.count > 3, "sampling should reach beyond the best program")
    }

    @Test func inspirationsComeFromOtherCells() throws {
        var database = ProgramDatabase(configuration: Grid.configuration(exploitation: 0.2, fitnessProportional: 0.2, topPrograms: 2))
        for index in 0..<10 {
            database.add(Grid.program("c\(index)", score: Double(index), x: Double(index % 4), y: Double(index / 4)))
            // A worse program in the same cell: never an elite, never an inspiration.
            database.add(Grid.program("w\(index)", score: Double(index) - 0.5, x: Double(index % 4) + 0.5, y: Double(index / 4) + 0.5))
        }
        #expect(database.occupiedCells == [10])
        var seen: Set<ProgramID> = []
        for _ in 0..<300 {
            let sampled = database.sample(island: 0)
            let selection = try #require(sampled)
            let inspirations = selection.inspirations
            #expect(inspirations.count == 2)
            #expect(Set(inspirations.map(\.id)).count == inspirations.count)
            for inspiration in inspirations {
                #expect(Grid.cell(of: inspiration) != Grid.cell(of: selection.parent))
                #expect(inspiration.id.rawValue.hasPrefix("c"), "\(inspiration.id) is not an elite")
                #expect(!selection.topPrograms.contains { $0.id == inspiration.id })
            }
            seen.formUnion(inspirations.map(\.id))
        }
        #expect(seen.count >= 5, "inspirations should vary: \(seen)")
    }

    @Test func inspirationsComeFromOtherIslandsWhenAnIslandHasFewCells() {
        var database = ProgramDatabase(configuration: Grid.configuration(islands: 2, exploitation: 1, topPrograms: 0, inspirations: 2))
        database.add(Grid.program("home", score: 5, island: 0))
        database.add(Grid.program("away1", score: 1, x: 1, y: 1, island: 1))
        database.add(Grid.program("away2", score: 2, x: 2, y: 2, island: 1))
        let selection = database.sample(island: 0)
        #expect(selection?.parent.id == ProgramID("home"))
        #expect(Set(selection?.inspirations.map(\.id.rawValue) ?? []) == ["away1", "away2"])
    }

    @Test func sameSeedGivesTheSameParentsAndADifferentSeedDoesNot() {
        func parents(seed: UInt64) -> [String] {
            var database = ProgramDatabase(
                configuration: Grid.configuration(islands: 2, exploitation: 0.4, fitnessProportional: 0.3, seed: seed))
            for index in 0..<30 {
                database.add(Grid.program("p\(index)", score: Double(index * 7 % 11), x: Double(index % 4), y: Double(index % 3), island: index % 2))
            }
            return (0..<200).compactMap { database.sample(island: $0 % 2).map { "\($0.parent.id)|\($0.inspirations.map(\.id.rawValue))" } }
        }
        #expect(parents(seed: 42) == parents(seed: 42))
        #expect(parents(seed: 42) != parents(seed: 43))
    }
}
