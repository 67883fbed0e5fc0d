import EvolveCore
import EvolveDatabase
import Foundation
import Testing

/// A long run's worth of programs: the grid stays bounded and every parent is an elite.
@Suite struct DatabaseScaleTests {
    @Test func twentyThousandProgramsStayWithinTheGridAndParentsAreElites() async {
        let islands = 3
        var database = ProgramDatabase(
            configuration: Grid.configuration(islands: islands, exploitation: 0.3, fitnessProportional: 0.3, seed: 99))
        var generator = SplitMix64(seed: 1234)
        // The elite each (island, cell) should hold, computed independently.
        var expectedElites: [Int: [Int: (id: ProgramID, score: Double)]] = [:]
        var failures = 0
        for index in 0..<20_000 {
            if index % 500 == 0 { await Task.yield() }  // share the test pool with the sandbox's timing tests
            let island = Int(generator.next() % UInt64(islands))
            let id = "p\(index)"
            if generator.next() % 10 == 0 {
                database.add(Grid.failed(id, island: island))
                failures += 1
                continue
            }
            // Some values fall outside the fixed 0...4 ranges and clamp to the edge bins.
            let x = Double.random(in: -1...5, using: &generator)
            let y = Double.random(in: 0...4.5, using: &generator)
            let score = Double.random(in: 0..<1_000, using: &generator)
            let program = Grid.program(id, score: score, x: x, y: y, island: island)
            database.add(program)
            let cell = Grid.cell(x: x, y: y)
            if let current = expectedElites[island]?[cell], current.score >= score { continue }
            expectedElites[island, default: [:]][cell] = (program.id, score)
        }
        #expect(database.count == 20_000)
        #expect(failures > 1_000)
        #expect(database.occupiedCells == (0..<islands).map { expectedElites[$0]?.count ?? 0 })
        #expect(database.occupiedCells.allSatisfy { $0 <= 16 })

        for index in 0..<1_000 {
            let island = index % islands
            guard let selection = database.sample(island: island) else {
                Issue.record("no selection on island \(island)")
                return
            }
            let parent = selection.parent
            #expect(parent.score != nil)
            #expect(parent.island == island)
            let elite = expectedElites[island]?[Grid.cell(of: parent)]
            #expect(elite?.id == parent.id, "parent \(parent.id) is not the elite of its cell")
            #expect(selection.topPrograms.allSatisfy { $0.score != nil && $0.id != parent.id })
            #expect(selection.inspirations.allSatisfy { $0.score != nil && $0.id != parent.id })
        }
    }

    @Test func adaptiveRangesOverManyProgramsKeepTheGridBounded() async {
        let configuration = ArchiveConfiguration(
            goal: Goal(direction: .minimize),
            search: SearchConfiguration(
                islands: 2, exploitation: 0.2, fitnessProportional: 0.4, features: ["x", "y", "z"], bins: 5, featureRanges: [:],
                topPrograms: 3, inspirations: 2, seed: 5))
        var database = ProgramDatabase(configuration: configuration)
        var generator = SplitMix64(seed: 77)
        for index in 0..<20_000 {
            if index % 500 == 0 { await Task.yield() }
            let spread = Double(1 + index / 100)
            let result = EvaluationResult(
                status: .success, score: Double.random(in: -50...50, using: &generator),
                features: [
                    "x": Double.random(in: -spread...spread, using: &generator),
                    "y": Double.random(in: 0...1, using: &generator),
                    "z": Double(index % 7),
                ])
            let code = "z = \(index)\n"
            database.add(
                Program(
                    id: ProgramID("p\(index)"), parentID: nil, origin: .mutation, iteration: index + 1, island: index % 2,
                    generation: 1, code: code, result: result,
                    features: featureValues(for: configuration.features, code: code, result: result)))
        }
        #expect(database.occupiedCells.allSatisfy { $0 > 0 && $0 <= 125 }, "\(database.occupiedCells)")
        var parents: Set<ProgramID> = []
        for index in 0..<1_000 {
            guard let parent = database.sample(island: index % 2)?.parent else {
                Issue.record("no selection")
                return
            }
            #expect(parent.score != nil)
            parents.insert(parent.id)
        }
        #expect(parents.count > 20, "sampling should spread over many elites")
        #expect(database.best?.score == database.topPrograms(limit: 1).first?.score)
    }
}
