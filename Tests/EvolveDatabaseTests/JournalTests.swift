import EvolveCore
import EvolveDatabase
import Foundation
import Testing

/// The journal of answers: a child stored before its evaluation comes back on reopening, exactly,
/// and the commit of its iteration removes it in the same transaction.
@Suite struct JournalTests {
    typealias Store = SQLiteProgramStoreTests

    static func journaled(iteration: Int) -> JournaledChild {
        let child = Store.mutation("child\(iteration)", iteration: iteration)
        var record = child.generationRecord!
        record.mutationKind = .rewrite
        record.instructionID = 2
        return JournaledChild(
            iteration: iteration, parentID: ProgramID("root"), island: 1, code: child.code, record: record,
            attempts: Store.attempts(iteration: iteration), cost: 0.125,
            timing: ProgramTiming(generationStarted: 1_763_000_000.25, generated: 1_763_000_004.5))
    }

    @Test func aJournaledChildComesBackExactlyAfterReopening() async throws {
        let file = try Store.StoreFile()
        defer { file.remove() }
        let seven = Self.journaled(iteration: 7)
        let five = Self.journaled(iteration: 5)
        do {
            let store = try SQLiteProgramStore(path: file.path)
            try await store.commit(program: Store.root, attempts: [])
            try await store.journal(seven)
            try await store.journal(five)
        }
        let reopened = try SQLiteProgramStore(path: file.path)
        let children = try await reopened.journaledChildren()
        #expect(children.map(\.iteration) == [5, 7])
        for (loaded, original) in zip(children, [five, seven]) {
            #expect(loaded.parentID == original.parentID)
            #expect(loaded.island == original.island)
            #expect(loaded.code == original.code)
            #expect(loaded.record == original.record)
            #expect(loaded.cost == original.cost)
            #expect(loaded.timing == original.timing)
            #expect(loaded.attempts.count == original.attempts.count)
            for (a, b) in zip(loaded.attempts, original.attempts) {
                #expect(a.answer == b.answer && a.outcome == b.outcome && a.kind == b.kind && a.message == b.message)
                #expect(a.promptTokens == b.promptTokens && a.completionTokens == b.completionTokens && a.modelSeconds == b.modelSeconds)
                #expect(abs(a.createdAt.timeIntervalSince(b.createdAt)) < 0.001)
            }
        }
        // A journaled iteration is not finished: a resumed run must evaluate it, not skip it.
        #expect(try await reopened.finishedIterations().isEmpty)
        #expect(try await reopened.totalCost() == 0, "a journaled answer's cost is in the run's facts, not summed twice from attempts")
    }

    @Test func committingTheIterationRemovesItsJournaledChildInTheSameTransaction() async throws {
        let file = try Store.StoreFile()
        defer { file.remove() }
        let store = try SQLiteProgramStore(path: file.path)
        try await store.commit(program: Store.root, attempts: [])
        for iteration in [3, 4, 9] { try await store.journal(Self.journaled(iteration: iteration)) }
        // Iteration 3's child is evaluated and committed; iteration 4 ends without a program (a duplicate).
        try await store.commit(program: Store.mutation("child3", iteration: 3), attempts: Store.attempts(iteration: 3))
        try await store.commit(program: nil, attempts: Store.attempts(iteration: 4))
        #expect(try await store.journaledChildren().map(\.iteration) == [9])

        // A commit that fails (its program id is taken) leaves the journal as it was.
        await #expect(throws: StoreError.self) {
            try await store.commit(program: Store.mutation("child3", iteration: 9), attempts: Store.attempts(iteration: 9))
        }
        #expect(try await store.journaledChildren().map(\.iteration) == [9])
        #expect(try await store.attempts(iteration: 9).isEmpty)
    }

    @Test func journalingAnIterationAgainReplacesItsChild() async throws {
        let file = try Store.StoreFile()
        defer { file.remove() }
        let store = try SQLiteProgramStore(path: file.path)
        try await store.journal(Self.journaled(iteration: 2))
        var again = Self.journaled(iteration: 2)
        again.code = "def solve():\n    return 'c'\n"
        try await store.journal(again)
        let children = try await store.journaledChildren()
        #expect(children.map(\.code) == [again.code])
    }

    @Test func aReaderOpeningTheRunReadOnlySeesTheJournal() async throws {
        let file = try Store.StoreFile()
        defer { file.remove() }
        try await SQLiteProgramStore(path: file.path).journal(Self.journaled(iteration: 6))
        #expect(try await SQLiteProgramStore(path: file.path, readOnly: true).journaledChildren().map(\.iteration) == [6])
    }

    @Test func aRunWrittenBeforeTheJournalOpensWithAnEmptyOneAndKeepsItsIterations() async throws {
        let (copy, expected) = try RunDatabaseFixtureTests.fixture()
        defer { try? FileManager.default.removeItem(at: copy.deletingLastPathComponent()) }
        let store = try SQLiteProgramStore(path: copy.path)
        #expect(try await store.journaledChildren().isEmpty)
        let next = (expected.finishedIterations.max() ?? 0) + 1
        try await store.journal(Self.journaled(iteration: next))
        #expect(try await store.journaledChildren().map(\.iteration) == [next])
        #expect(try await store.finishedIterations().sorted() == expected.finishedIterations)
    }
}
