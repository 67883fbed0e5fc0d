import EvolveCore
import EvolveDatabase
import Foundation
import Testing

/// `search.strategy: weighted`: p(parent) ∝ sigmoid(λ·(s − median)/MAD) / (1 + children).
@Suite struct WeightedStrategyTests {
    /// The README's formula, written out here independently of the strategy.
    static func expectedShares(_ programs: [(id: String, fitness: Double, children: Int)], lambda: Double) -> [String: Double] {
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        }
        let m = median(programs.map(\.fitness))
        let mad = max(median(programs.map { abs($0.fitness - m) }), 1e-6 * max(1, abs(m)))
        let weights = programs.map { 1 / (1 + exp(-lambda * ($0.fitness - m) / mad)) / Double(1 + $0.children) }
        let total = weights.reduce(0, +)
        return Dictionary(uniqueKeysWithValues: zip(programs.map(\.id), weights.map { $0 / total }))
    }

    static func expectClose(_ observed: [String: Double], _ expected: [String: Double], tolerance: Double = 0.015) {
        for (id, share) in expected {
            #expect(abs((observed[id] ?? 0) - share) < tolerance, "\(id): sampled \(observed[id] ?? 0), formula \(share)")
        }
    }

    @Test func parentsAreDrawnWithTheFormulasProbabilities() {
        var database = Grid.archive(.weighted) { $0.weighted.lambda = 1.5 }
        database.add(Grid.program("root", score: 1, origin: .initial))
        for (id, score) in [("a", 2.0), ("b", 3.0), ("c", 5.0), ("d", 10.0)] { database.add(Grid.child(id, of: "root", score: score)) }
        let observed = shares(database.parents(20_000))
        // Median 3, MAD 2; root has four children.
        let expected = Self.expectedShares(
            [("root", 1, 4), ("a", 2, 0), ("b", 3, 0), ("c", 5, 0), ("d", 10, 0)], lambda: 1.5)
        Self.expectClose(observed, expected)
        #expect(observed["d"]! > observed["c"]! && observed["c"]! > observed["b"]!, "\(observed)")
    }

    @Test func everyChildLowersItsParentsShare() {
        var database = Grid.archive(.weighted)
        database.add(Grid.program("root", score: 5, origin: .initial))
        for id in ["a", "b", "c"] { database.add(Grid.child(id, of: "root", score: 5)) }
        // Equal scores: MAD is 0, its floor keeps every weight at sigmoid(0).
        let before = shares(database.parents(12_000))
        Self.expectClose(before, Self.expectedShares([("root", 5, 3), ("a", 5, 0), ("b", 5, 0), ("c", 5, 0)], lambda: 1))
        database.add(Grid.child("a1", of: "a", score: 5))
        database.add(Grid.failedChild("a2", of: "a"))
        database.add(Grid.child("a3", of: "a", score: 5))
        #expect(database.childCount(of: ProgramID("a")) == 3, "failed children count too")
        let after = shares(database.parents(20_000))
        let expected = Self.expectedShares(
            [("root", 5, 3), ("a", 5, 3), ("b", 5, 0), ("c", 5, 0), ("a1", 5, 0), ("a3", 5, 0)], lambda: 1)
        Self.expectClose(after, expected)
        #expect(after["a"]! < after["b"]! / 3, "a has three children: a quarter of b's weight (\(after))")
        #expect(after["a2"] == nil, "a failed child is never a parent")
    }

    @Test func minimizingPrefersLowScores() {
        var database = Grid.archive(.weighted, goal: Goal(direction: .minimize))
        database.add(Grid.program("root", score: 10, origin: .initial))
        for (id, score) in [("low", 1.0), ("mid", 5.0), ("high", 20.0)] { database.add(Grid.child(id, of: "root", score: score)) }
        let observed = shares(database.parents(20_000))
        Self.expectClose(observed, Self.expectedShares([("root", -10, 3), ("low", -1, 0), ("mid", -5, 0), ("high", -20, 0)], lambda: 1))
        #expect(observed["low"]! > observed["high"]! * 3)
    }

    @Test func promptShowsTheBestFewAndRandomOthers() throws {
        var database = Grid.archive(.weighted) {
            $0.topPrograms = 2
            $0.inspirations = 2
        }
        database.add(Grid.program("root", score: 0, origin: .initial))
        for index in 1...8 { database.add(Grid.child("p\(index)", of: "root", score: Double(index))) }
        var inspirations: Set<String> = []
        for _ in 0..<200 {
            let sampled = database.sample(iteration: 0)
            let selection = try #require(sampled)
            let top = selection.topPrograms.map(\.id.rawValue)
            let expectedTop = ["p8", "p7", "p6"].filter { $0 != selection.parent.id.rawValue }.prefix(2)
            #expect(top == Array(expectedTop))
            let shown = selection.inspirations.map(\.id.rawValue)
            #expect(shown.count == 2)
            #expect(Set(shown).isDisjoint(with: top + [selection.parent.id.rawValue]))
            inspirations.formUnion(shown)
        }
        #expect(inspirations.count >= 6, "inspirations are drawn at random from the rest: \(inspirations.sorted())")
    }

    @Test func theSeedMakesTheDrawsReproducible() {
        func parents(seed: UInt64) -> [String] {
            var database = Grid.archive(.weighted, seed: seed)
            database.add(Grid.program("root", score: 1, origin: .initial))
            for index in 1...6 { database.add(Grid.child("p\(index)", of: "root", score: Double(index % 3))) }
            return database.parents(50)
        }
        #expect(parents(seed: 3) == parents(seed: 3))
        #expect(parents(seed: 3) != parents(seed: 4))
    }
}
