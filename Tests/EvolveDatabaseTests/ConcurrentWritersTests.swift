import EvolveCore
import EvolveDatabase
import Foundation
import Testing

/// Two writers on one run: ids minted with `ProgramID.unique()` never clash, and a clash is refused loudly.
@Suite struct ConcurrentWritersTests {
    typealias StoreFile = SQLiteProgramStoreTests.StoreFile

    @Test("two connections committing at once store every program; the file holds them all")
    func twoWriters() async throws {
        let file = try StoreFile()
        defer { file.remove() }
        let stores = [try SQLiteProgramStore(path: file.path), try SQLiteProgramStore(path: file.path)]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (writer, store) in stores.enumerated() {
                group.addTask {
                    for index in 0..<50 {
                        let program = ProgramsAfterCursorTests.program(1 + writer * 50 + index)
                        try await store.commit(program: program, attempts: [])
                    }
                }
            }
            try await group.waitForAll()
        }
        let stored = try await SQLiteProgramStore(path: file.path, readOnly: true).allPrograms()
        #expect(stored.count == 100)
        #expect(Set(stored.map(\.id)).count == 100)
    }

    @Test("a program id already stored by another connection is refused with a message that says so")
    func duplicateAcrossConnections() async throws {
        let file = try StoreFile()
        defer { file.remove() }
        let first = try SQLiteProgramStore(path: file.path)
        let second = try SQLiteProgramStore(path: file.path)
        let program = ProgramsAfterCursorTests.program(0)
        try await first.commit(program: program, attempts: [])
        var again = program
        again.code = "different code, same id\n"
        let attempt = AttemptRecord(iteration: 0, attempt: 1, parentID: nil, model: "m", prompt: "p", answer: "a", outcome: .accepted)
        let error = await #expect(throws: StoreError.self) { try await second.commit(program: again, attempts: [attempt]) }
        #expect(error?.code == .duplicate)
        #expect(error?.message.contains("program \(program.id)") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("already holds a program with that id") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains(file.path) == true)
        #expect(try await first.allPrograms() == [program], "the first program is unchanged")
        #expect(try await first.attempts(iteration: 0).isEmpty, "nothing of the refused commit is kept")
    }
}
