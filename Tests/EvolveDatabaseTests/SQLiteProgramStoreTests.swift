import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

/// The run's SQLite file: what is committed comes back, a resumed run sees it, and `sqlite3` can read it.
@Suite struct SQLiteProgramStoreTests {
    /// A fresh directory for one store file, removed at the end of the test.
    struct StoreFile {
        let directory: URL
        var path: String { directory.appendingPathComponent("run.sqlite").path }

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-store-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    static let created = Date(timeIntervalSince1970: 1_763_000_000.123_456)

    static func mutation(_ id: String = "child1", iteration: Int = 3) -> Program {
        let result = EvaluationResult(
            status: .success, score: 275.25,
            metrics: [
                "weight": .number(80), "feasible": .bool(true), "items": .array([.number(1), .string("two")]),
                "nested": .object(["deep": .object(["value": .number(-1.5)])]), "nothing": .null, "name": .string("ünïcode ✓"),
            ],
            features: ["size": 3.5],
            artifacts: ["solution": .array([.number(0), .number(3)]), "note": .string("line 1\nline 2")],
            stdoutTail: "progress...\n{\"score\": 275.25}\n", stderrTail: "warning: ümlaut\n", duration: 1.75, stage: "final")
        let record = GenerationRecord(
            model: "gemma4:26b", prompt: "system: be brief\n\nuser: improve it", answer: "<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE",
            diff: "-a\n+b", attempts: 2, promptTokens: 1234, completionTokens: 56, modelSeconds: 12.5)
        return Program(
            id: ProgramID(id), parentID: ProgramID("root"), origin: .mutation, iteration: iteration, island: 1, generation: 4,
            code: "def solve():\n    return 'b'  # ✓\n", result: result, features: ["length": 31, "nesting": 1, "size": 3.5],
            generationRecord: record, createdAt: created)
    }

    static let root = Program(
        id: ProgramID("root"), parentID: nil, origin: .initial, iteration: 0, island: 0, generation: 0, code: "def solve():\n    return 'a'\n",
        result: EvaluationResult(status: .success, score: 10, duration: 0.5), features: ["length": 25, "nesting": 1],
        createdAt: created.addingTimeInterval(-60))

    static let failed = Program(
        id: ProgramID("crash1"), parentID: ProgramID("root"), origin: .mutation, iteration: 4, island: 0, generation: 1,
        code: "def solve():\n    raise ValueError()\n",
        result: EvaluationResult(
            status: .crashed, failureReason: "the evaluator exited with status 1; last error line: ValueError",
            stderrTail: "Traceback...\nValueError\n", duration: 0.2),
        features: [:],
        generationRecord: GenerationRecord(model: "m", prompt: "p", answer: "a", diff: "d", attempts: 1, modelSeconds: 1),
        createdAt: created)

    static func attempts(iteration: Int, parent: String = "root") -> [AttemptRecord] {
        [
            AttemptRecord(
                iteration: iteration, attempt: 1, parentID: ProgramID(parent), model: "gemma4:26b", prompt: "prompt 1",
                answer: "no edits here", outcome: .rejected, kind: "no_edits", message: "the answer has no SEARCH/REPLACE block",
                promptTokens: 100, completionTokens: 7, modelSeconds: 3.25, createdAt: created),
            AttemptRecord(
                iteration: iteration, attempt: 2, parentID: ProgramID(parent), model: "gemma4:26b", prompt: "prompt 2",
                answer: "<<<<<<< SEARCH", outcome: .accepted, modelSeconds: 4, createdAt: created.addingTimeInterval(5)),
        ]
    }

    static func expectSame(_ loaded: Program?, _ original: Program, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let loaded else {
            Issue.record("program \(original.id) was not found", sourceLocation: sourceLocation)
            return
        }
        #expect(abs(loaded.createdAt.timeIntervalSince(original.createdAt)) < 0.001, sourceLocation: sourceLocation)
        var normalized = loaded
        normalized.createdAt = original.createdAt
        #expect(normalized.id == original.id, sourceLocation: sourceLocation)
        #expect(normalized.parentID == original.parentID, sourceLocation: sourceLocation)
        #expect(normalized.origin == original.origin, sourceLocation: sourceLocation)
        #expect(normalized.iteration == original.iteration, sourceLocation: sourceLocation)
        #expect(normalized.island == original.island, sourceLocation: sourceLocation)
        #expect(normalized.generation == original.generation, sourceLocation: sourceLocation)
        #expect(normalized.code == original.code, sourceLocation: sourceLocation)
        #expect(normalized.features == original.features, sourceLocation: sourceLocation)
        #expect(normalized.result == original.result, sourceLocation: sourceLocation)
        #expect(normalized.generationRecord == original.generationRecord, sourceLocation: sourceLocation)
        #expect(normalized == original, sourceLocation: sourceLocation)
    }

    @Test func committedProgramsRoundTripEveryField() async throws {
        let file = try StoreFile()
        defer { file.remove() }
        let store = try SQLiteProgramStore(path: file.path)

        try await store.commit(program: Self.root, attempts: [])
        try await store.commit(program: Self.mutation(), attempts: Self.attempts(iteration: 3))
        try await store.commit(program: Self.failed, attempts: Self.attempts(iteration: 4))

        Self.expectSame(try await store.program(ProgramID("child1")), Self.mutation())
        Self.expectSame(try await store.program(ProgramID("root")), Self.root)
        Self.expectSame(try await store.program(ProgramID("crash1")), Self.failed)
        #expect(try await store.program(ProgramID("crash1"))?.score == nil)
        #expect(try await store.program(ProgramID("nope")) == nil)
        #expect(try await store.allPrograms().map(\.id.rawValue) == ["root", "child1", "crash1"], "in the order saved")
    }

    @Test func attemptsRoundTripAndMarkIterationsFinished() async throws {
        let file = try StoreFile()
        defer { file.remove() }
        let store = try SQLiteProgramStore(path: file.path)
        #expect(try await store.finishedIterations().isEmpty)

        try await store.commit(program: Self.mutation(iteration: 3), attempts: Self.attempts(iteration: 3))
        // An iteration whose every answer was rejected leaves attempts but no program.
        let failedCall = AttemptRecord(
            iteration: 5, attempt: 1, parentID: nil, model: "gemma4:26b", prompt: "p", answer: "", outcome: .modelError,
            message: "connection refused", createdAt: Self.created)
        try await store.commit(program: nil, attempts: [failedCall])

        #expect(try await store.finishedIterations() == [3, 5])
        let loaded = try await store.attempts(iteration: 3)
        let expected = Self.attempts(iteration: 3)
        #expect(loaded.count == 2)
        for (got, want) in zip(loaded, expected) {
            #expect(abs(got.createdAt.timeIntervalSince(want.createdAt)) < 0.001)
            var normalized = got
            normalized.createdAt = want.createdAt
            #expect(normalized == want)
        }
        let five = try await store.attempts(iteration: 5)
        #expect(five.count == 1)
        #expect(five.first?.outcome == .modelError)
        #expect(five.first?.parentID == nil)
        #expect(five.first?.promptTokens == nil)
        #expect(five.first?.message == "connection refused")
        #expect(try await store.attempts(iteration: 99).isEmpty)
    }

    @Test func secondStoreOnTheSameFileSeesEverything() async throws {
        let file = try StoreFile()
        defer { file.remove() }
        do {
            let store = try SQLiteProgramStore(path: file.path)
            try await store.commit(program: Self.root, attempts: [])
            try await store.commit(program: Self.mutation(), attempts: Self.attempts(iteration: 3))
            try await store.updateRunInfo { $0.facts["configuration_note"] = "{\"seed\": 42}" }
        }
        // Open again, as `evolve run --resume` does after a crash.
        let resumed = try SQLiteProgramStore(path: file.path)
        #expect(try await resumed.allPrograms().map(\.id.rawValue) == ["root", "child1"])
        #expect(try await resumed.finishedIterations() == [3])
        #expect(try await resumed.runInfo().facts["configuration_note"] == "{\"seed\": 42}")
        Self.expectSame(try await resumed.program(ProgramID("child1")), Self.mutation())
        // And it keeps writing to the same file.
        try await resumed.commit(program: Self.failed, attempts: Self.attempts(iteration: 4))
        #expect(try await SQLiteProgramStore(path: file.path).allPrograms().count == 3)
    }

    @Test func secondMutationForTheSameIterationIsRefusedAndNothingOfItIsKept() async throws {
        let file = try StoreFile()
        defer { file.remove() }
        let store = try SQLiteProgramStore(path: file.path)
        try await store.commit(program: Self.mutation("first", iteration: 7), attempts: Self.attempts(iteration: 7))

        let duplicate = Self.mutation("second", iteration: 7)
        let extra = AttemptRecord(
            iteration: 7, attempt: 3, parentID: nil, model: "m", prompt: "p", answer: "a", outcome: .accepted, createdAt: Self.created)
        let error = await #expect(throws: StoreError.self) {
            try await store.commit(program: duplicate, attempts: [extra])
        }
        #expect(error?.code == .duplicate)
        #expect(error?.message.contains(file.path) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("second") == true)

        Self.expectSame(try await store.program(ProgramID("first")), Self.mutation("first", iteration: 7))
        #expect(try await store.program(ProgramID("second")) == nil)
        #expect(try await store.attempts(iteration: 7).count == 2, "the refused commit's attempts must not be stored either")
        #expect(try await store.allPrograms().count == 1)
    }

    @Test func migrantsAndTheInitialProgramMayShareIterationZero() async throws {
        let file = try StoreFile()
        defer { file.remove() }
        let store = try SQLiteProgramStore(path: file.path)
        try await store.commit(program: Self.root, attempts: [])
        for index in 0..<3 {
            var migrant = Self.root
            migrant.id = ProgramID("migrant\(index)")
            migrant.parentID = Self.root.id
            migrant.origin = .migration
            migrant.island = index % 2
            try await store.commit(program: migrant, attempts: [])
        }
        #expect(try await store.allPrograms().count == 4)
        #expect(try await store.program(ProgramID("migrant2"))?.origin == .migration)
        #expect(try await store.finishedIterations().isEmpty, "migrations are not iterations")
    }

    @Test func sameProgramIDTwiceIsRefused() async throws {
        let file = try StoreFile()
        defer { file.remove() }
        let store = try SQLiteProgramStore(path: file.path)
        try await store.commit(program: Self.root, attempts: [])
        let error = await #expect(throws: StoreError.self) { try await store.commit(program: Self.root, attempts: []) }
        #expect(error?.code == .duplicate)
        #expect(error?.message.contains("already holds a program with that id") == true, "\(error?.message ?? "")")
        #expect(try await store.allPrograms().count == 1)
    }

    @Test(.enabled(if: TestEnvironment.runsSQLite3Tests, "needs the sqlite3 command-line tool"))
    func sqliteCommandLineToolReadsTheRunWhileItIsOpen() async throws {
        let file = try StoreFile()
        defer { file.remove() }
        let store = try SQLiteProgramStore(path: file.path)
        try await store.commit(program: Self.root, attempts: [])
        try await store.commit(program: Self.mutation(), attempts: Self.attempts(iteration: 3))
        try await store.commit(program: Self.failed, attempts: Self.attempts(iteration: 4))
        #expect(try await store.allPrograms().count == 3)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [
            "-readonly", file.path,
            "SELECT count(*) FROM programs; SELECT score FROM programs WHERE id = 'child1'; SELECT count(*) FROM attempts;",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(process.terminationStatus == 0, "\(lines)")
        #expect(lines == ["3", "275.25", "4"])
    }

    @Test func openingInAMissingDirectoryIsAStoreErrorNamingThePath() async throws {
        let path = "/nonexistent-evolve-\(UUID().uuidString.prefix(8))/runs/run.sqlite"
        let error = #expect(throws: StoreError.self) { try SQLiteProgramStore(path: path) }
        #expect(error?.code == .open)
        #expect(error?.message.contains(path) == true, "\(error?.message ?? "")")
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func openingWhereAFileBlocksTheDirectoryIsAStoreError() async throws {
        let file = try StoreFile()
        defer { file.remove() }
        let blocker = file.directory.appendingPathComponent("blocker")
        try Data("not a directory".utf8).write(to: blocker)
        let path = blocker.appendingPathComponent("run.sqlite").path
        let error = #expect(throws: StoreError.self) { try SQLiteProgramStore(path: path) }
        #expect(error?.message.contains(path) == true, "\(error?.message ?? "")")
    }

    @Test func openingAFileThatIsNotADatabaseIsAStoreError() async throws {
        let file = try StoreFile()
        defer { file.remove() }
        try Data(String(repeating: "this is not SQLite\n", count: 100).utf8).write(to: URL(fileURLWithPath: file.path))
        let error = #expect(throws: StoreError.self) { try SQLiteProgramStore(path: file.path) }
        #expect(error?.code == .open)
        #expect(error?.message.contains(file.path) == true, "\(error?.message ?? "")")
    }
}
