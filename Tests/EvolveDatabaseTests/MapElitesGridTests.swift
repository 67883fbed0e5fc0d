import EvolveCore
import EvolveDatabase
import Foundation
import Testing

/// The MAP-Elites grid: one elite per cell, fixed and adaptive feature ranges, evaluator features as dimensions.
@Suite struct MapElitesGridTests {
    @Test(arguments: Goal.Direction.allCases)
    func cellKeepsOnlyTheBetterProgram(_ direction: Goal.Direction) {
        var database = ProgramDatabase(configuration: Grid.configuration(goal: Goal(direction: direction), fitnessProportional: 1))
        let better: Double = direction == .maximize ? 10 : 1
        let worse: Double = direction == .maximize ? 1 : 10

        let first = database.add(Grid.program("first", score: worse, x: 1.1, y: 2.2))
        let second = database.add(Grid.program("second", score: better, x: 1.9, y: 2.9))
        let third = database.add(Grid.program("third", score: (better + worse) / 2, x: 1.5, y: 2.5))

        #expect(first.isElite && second.isElite && !third.isElite)
        #expect(first.cell == second.cell && second.cell == third.cell)
        #expect(first.cell == Grid.cell(x: 1, y: 2))
        #expect(database.occupiedCells == [1])
        #expect(Set(database.parents(200)) == ["second"])
    }

    @Test func tieKeepsTheEarlierElite() {
        var database = ProgramDatabase(configuration: Grid.configuration(fitnessProportional: 1))
        database.add(Grid.program("earlier", score: 5, x: 0.1, y: 0.1))
        let later = database.add(Grid.program("later", score: 5, x: 0.2, y: 0.2))
        #expect(!later.isElite)
        #expect(Set(database.parents(50)) == ["earlier"])
    }

    @Test func distinctCellsEachHoldAnElite() {
        var database = ProgramDatabase(configuration: Grid.configuration(fitnessProportional: 1))
        var cells: Set<Int> = []
        for (index, point) in [(0.5, 0.5), (1.5, 0.5), (0.5, 1.5), (3.9, 3.9), (2.0, 2.0)].enumerated() {
            let outcome = database.add(Grid.program("p\(index)", score: Double(index), x: point.0, y: point.1))
            #expect(outcome.isElite)
            cells.insert(outcome.cell ?? -1)
            #expect(database.occupiedCells == [index + 1])
        }
        #expect(cells == [0, 4, 1, 15, 10])
    }

    @Test func fixedRangesClampOutsideValuesIntoTheEdgeBins() {
        var database = ProgramDatabase(configuration: Grid.configuration(fitnessProportional: 1))
        let inside = database.add(Grid.program("inside", score: 1, x: 3.5, y: 0.5))
        let far = database.add(Grid.program("far", score: 2, x: 100, y: -50))
        let low = database.add(Grid.program("low", score: 3, x: -7, y: 0.1))
        #expect(inside.cell == far.cell, "x beyond the fixed range belongs to the last bin")
        #expect(low.cell == Grid.cell(x: 0, y: 0))
        #expect(database.occupiedCells == [2], "fixed ranges never widen")
        #expect(Set(database.parents(300)) == ["far", "low"])
    }

    @Test func adaptiveRangesWidenAndReBinEveryProgram() {
        // One dimension `x`, 4 bins, no fixed range.
        let configuration = ArchiveConfiguration(
            search: SearchConfiguration(
                islands: 1, exploitation: 0, fitnessProportional: 1, features: ["x"], bins: 4, featureRanges: [:], topPrograms: 3,
                inspirations: 0, seed: 3))
        var database = ProgramDatabase(configuration: configuration)
        // First value 10: the range starts as 10 ± 2.5, i.e. 7.5...12.5 (bins 1.25 wide).
        let ten = database.add(Grid.program("ten", score: 5, x: 10))
        let eleven = database.add(Grid.program("eleven", score: 3, x: 11))
        let eight = database.add(Grid.program("eight", score: 4, x: 8))
        #expect(ten.cell == 2 && eleven.cell == 2 && eight.cell == 0)
        #expect(!eleven.isElite)
        #expect(database.occupiedCells == [2])
        #expect(Set(database.parents(300)) == ["ten", "eight"])

        // 100 lies far outside: the range becomes 7.5...123.125, and 8, 10 and 11 share the first bin.
        let hundred = database.add(Grid.program("hundred", score: 1, x: 100))
        #expect(hundred.isElite)
        #expect(hundred.cell == 3)
        #expect(database.occupiedCells == [2])
        #expect(Set(database.parents(300)) == ["ten", "hundred"], "after re-binning `eight` lost its cell to the better `ten`")

        // A value below the range widens it downwards; nothing is lost.
        database.add(Grid.program("negative", score: 2, x: -200))
        #expect(database.occupiedCells[0] >= 2 && database.occupiedCells[0] <= 4)
        #expect(database.parents(500).contains("negative"))
    }

    @Test func occupiedCellsNeverExceedTheGridWhileRangesAdapt() {
        var database = ProgramDatabase(configuration: Grid.configuration(islands: 2, fitnessProportional: 0.5, fixedRanges: false))
        var generator = SplitMix64(seed: 11)
        for index in 0..<2_000 {
            let scale = Double(index + 1)
            database.add(
                Grid.program(
                    "p\(index)", score: Double.random(in: 0..<100, using: &generator),
                    x: Double.random(in: -scale...scale, using: &generator), y: Double.random(in: 0...1, using: &generator),
                    island: index % 2))
            #expect(database.occupiedCells.allSatisfy { $0 <= 16 })
        }
        #expect(database.occupiedCells.allSatisfy { $0 >= 4 }, "\(database.occupiedCells)")
    }

    @Test func evaluatorFeatureIsAGridDimension() {
        let configuration = ArchiveConfiguration(
            search: SearchConfiguration(
                islands: 1, exploitation: 0, fitnessProportional: 1, features: ["length", "quality"], bins: 2,
                featureRanges: ["quality": [0, 1], "length": [0, 1_000]], topPrograms: 1, inspirations: 0, seed: 1))
        var database = ProgramDatabase(configuration: configuration)
        func program(_ id: String, score: Double, quality: Double?) -> Program {
            let code = "x = '\(id)'\n"
            let result = EvaluationResult(
                status: .success, score: score, features: quality.map { ["quality": $0, "extra": 7] } ?? ["extra": 7])
            let features = featureValues(for: configuration.features, code: code, result: result)
            return Program(
                id: ProgramID(id), parentID: nil, origin: .mutation, iteration: 1, island: 0, generation: 1, code: code,
                result: result, features: features)
        }
        let low = program("low", score: 1, quality: 0.1)
        #expect(low.features["quality"] == 0.1)
        #expect(low.features["length"] == Double(low.code.count))
        #expect(low.features["extra"] == 7, "evaluator features outside the grid are kept on the program")

        let lowOutcome = database.add(low)
        let highOutcome = database.add(program("high", score: 0.5, quality: 0.9))
        let nearLow = database.add(program("nearlow", score: 0.2, quality: 0.3))
        let missing = database.add(program("missing", score: 0.1, quality: nil))
        #expect(lowOutcome.cell != highOutcome.cell, "quality separates the two programs")
        #expect(nearLow.cell == lowOutcome.cell && !nearLow.isElite)
        #expect(missing.cell == lowOutcome.cell, "a missing feature counts as the lowest bin")
        #expect(database.occupiedCells == [2])
        #expect(Set(database.parents(200)) == ["low", "high"])
    }
}
