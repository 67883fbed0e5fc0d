import EvolveCore
import EvolveDatabase
import Foundation
import Testing

/// Ring migration between islands.
@Suite struct MigrationTests {
    final class IDs {
        var next = 0
        func make() -> ProgramID {
            next += 1
            return ProgramID("migrant-\(next)")
        }
    }

    @Test func eachIslandsBestMovesToTheNextIslandInARing() {
        var database = ProgramDatabase(configuration: Grid.configuration(islands: 3, exploitation: 1))
        database.add(Grid.program("a-best", score: 9, island: 0))
        database.add(Grid.program("a-other", score: 1, x: 1, island: 0))
        database.add(Grid.program("b-best", score: 5, island: 1))
        database.add(Grid.program("c-best", score: 7, island: 2))
        database.add(Grid.failed("c-failed", island: 2))
        let ids = IDs()

        let migrants = database.migrants(makeID: ids.make)

        #expect(migrants.count == 3)
        let byParent = Dictionary(uniqueKeysWithValues: migrants.map { ($0.parentID?.rawValue ?? "", $0) })
        #expect(byParent["a-best"]?.island == 1)
        #expect(byParent["b-best"]?.island == 2)
        #expect(byParent["c-best"]?.island == 0)
        for migrant in migrants {
            let original = database.program(migrant.parentID!)!
            #expect(migrant.origin == .migration)
            #expect(migrant.id.rawValue.hasPrefix("migrant-"))
            #expect(migrant.id != original.id)
            #expect(migrant.code == original.code)
            #expect(migrant.score == original.score)
            #expect(migrant.features == original.features)
        }
        #expect(Set(migrants.map(\.id)).count == 3)
        #expect(database.count == 5, "migrants(makeID:) only proposes; the caller adds them")

        for migrant in migrants { database.add(migrant) }
        #expect(database.sample(island: 1)?.parent.parentID == ProgramID("a-best"), "island 1 now exploits the migrant")
        #expect(database.sample(island: 0)?.parent.id == ProgramID("a-best"))
    }

    @Test func migrationSkipsAnIslandThatAlreadyHoldsTheCode() {
        var database = ProgramDatabase(configuration: Grid.configuration(islands: 2, exploitation: 1))
        database.add(Grid.program("a", score: 9, island: 0, code: "shared = 1\n"))
        database.add(Grid.program("b", score: 3, island: 1, code: "shared = 1\n"))
        let migrants = database.migrants(makeID: IDs().make)
        // Island 0's best is already on island 1; island 1's best is the same code, also already on island 0.
        #expect(migrants.isEmpty, "\(migrants.map(\.parentID))")
    }

    @Test func repeatedMigrationDoesNotCopyTheSameProgramAgain() {
        var database = ProgramDatabase(configuration: Grid.configuration(islands: 2, exploitation: 1))
        database.add(Grid.program("a", score: 9, island: 0))
        database.add(Grid.program("b", score: 3, x: 2, island: 1))
        let ids = IDs()
        let first = database.migrants(makeID: ids.make)
        #expect(first.count == 2)
        for migrant in first { database.add(migrant) }
        // Now each island holds the other's former best, and island 1's best is a's copy.
        let second = database.migrants(makeID: ids.make)
        #expect(second.isEmpty, "\(second.map { "\($0.parentID!) → island \($0.island)" })")
    }

    @Test func migrantNoLongerAmongTheTopIsNotCopiedAgain() {
        // Island 0's best migrated to island 1 once; island 1 then found four better programs,
        // so the copy left island 1's short top list, but island 1 still holds that code.
        var database = ProgramDatabase(configuration: Grid.configuration(islands: 2, exploitation: 1, topPrograms: 3))
        database.add(Grid.program("a", score: 5, island: 0, code: "a = 1\n"))
        let ids = IDs()
        for migrant in database.migrants(makeID: ids.make) { database.add(migrant) }
        for score in 10...13 {
            database.add(Grid.program("b\(score)", score: Double(score), x: Double(score % 4), y: 3, island: 1))
        }
        let again = database.migrants(makeID: ids.make).filter { $0.island == 1 }
        do {
            #expect(again.map(\.code).isEmpty, "island 1 already holds `a = 1`, yet it gets another copy")
        }
    }

    @Test func singleIslandHasNoMigration() {
        var database = ProgramDatabase(configuration: Grid.configuration(islands: 1))
        database.add(Grid.program("a", score: 1))
        #expect(database.migrants(makeID: IDs().make).isEmpty)
    }

    @Test func islandWithoutScoredProgramsSendsNothing() {
        var database = ProgramDatabase(configuration: Grid.configuration(islands: 2))
        database.add(Grid.program("a", score: 1, island: 0))
        database.add(Grid.failed("b", island: 1))
        let migrants = database.migrants(makeID: IDs().make)
        #expect(migrants.map(\.parentID) == [ProgramID("a")])
        #expect(migrants.first?.island == 1)
    }
}
