import EvolveCore
import EvolveDatabase
import Foundation
import Testing

/// `programs(after:)`: a live view reads only what was committed since its last read, in commit order.
@Suite struct ProgramsAfterCursorTests {
    typealias StoreFile = SQLiteProgramStoreTests.StoreFile

    static func program(_ index: Int) -> Program {
        Program(
            id: ProgramID.unique(), parentID: nil, origin: index == 0 ? .initial : .mutation, iteration: index, island: 0,
            generation: index, code: "x = \(index)\n", result: EvaluationResult(status: .success, score: Double(index)), features: [:],
            createdAt: Date(timeIntervalSince1970: 1_763_000_000 + Double(index)))
    }

    @Test("a read-only reader sees each program once, in commit order, after the writer commits it")
    func readerFollowsWriter() async throws {
        let file = try StoreFile()
        defer { file.remove() }
        let writer = try SQLiteProgramStore(path: file.path)
        let reader = try SQLiteProgramStore(path: file.path, readOnly: true)

        let none = try await reader.programs(after: .start)
        #expect(none.programs.isEmpty)
        #expect(none.cursor == .start)

        let first = Self.program(0)
        try await writer.commit(program: first, attempts: [])
        let one = try await reader.programs(after: none.cursor)
        #expect(one.programs == [first])
        #expect(one.cursor > .start)

        let more = [Self.program(1), Self.program(2)]
        for program in more { try await writer.commit(program: program, attempts: []) }
        let two = try await reader.programs(after: one.cursor)
        #expect(two.programs == more)

        let nothingNew = try await reader.programs(after: two.cursor)
        #expect(nothingNew.programs.isEmpty)
        #expect(nothingNew.cursor == two.cursor, "with nothing new, the cursor stays")
        #expect(try await reader.programs(after: .start).programs == [first] + more)
    }

    @Test("polling while the writer commits 60 programs misses none and repeats none")
    func pollingDuringWrites() async throws {
        let file = try StoreFile()
        defer { file.remove() }
        let writer = try SQLiteProgramStore(path: file.path)
        let reader = try SQLiteProgramStore(path: file.path, readOnly: true)
        let programs = (0..<60).map(Self.program)
        let writing = Task {
            for program in programs {
                try await writer.commit(program: program, attempts: [])
                try await Task.sleep(for: .milliseconds(2))
            }
        }
        var seen: [Program] = []
        var cursor = ProgramCursor.start
        var reads = 0
        while seen.count < programs.count, reads < 10_000 {
            let (new, next) = try await reader.programs(after: cursor)
            seen += new
            cursor = next
            reads += 1
            if new.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
        }
        try await writing.value
        #expect(seen.map(\.id) == programs.map(\.id))
        #expect(reads > 1, "the reads were incremental")
    }
}
