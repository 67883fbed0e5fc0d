import EvolveCore
import EvolveDatabase
import Foundation
import GRDB
import Testing

/// Multi-file programs in the run database (migration v10): each file's text is stored once.
@Suite struct MultiFileStoreTests {
    /// A project of `count` files of about 2 KB each.
    static func project(files count: Int) -> ProgramTree {
        var files: [String: String] = [:]
        for index in 0..<count {
            let body = (0..<60).map { "    value_\($0) = \(index * 100 + $0)  # line \($0) of module \(index)" }.joined(separator: "\n")
            files["pkg/module_\(index).py"] = "def compute_\(index)():\n" + body + "\n    return 0\n"
        }
        return ProgramTree(files: files)
    }

    @Test("a database written before multi-file programs migrates, and a tree child round-trips beside its old programs")
    func migratesAndRoundTrips() async throws {
        let (copy, expected) = try RunDatabaseFixtureTests.fixture()
        defer { try? FileManager.default.removeItem(at: copy.deletingLastPathComponent()) }
        let store = try SQLiteProgramStore(path: copy.path)
        let parent = try #require(try await store.allPrograms().first { $0.origin == .initial })
        var child = RunDatabaseFixtureTests.child(of: parent, after: expected)
        child.code = Self.project(files: 3).encoded
        try await store.commit(program: child, attempts: [])
        let reopened = try SQLiteProgramStore(path: copy.path, readOnly: true)
        let programs = try await reopened.allPrograms()
        #expect(programs.first { $0.id == child.id } == child)
        #expect(programs.filter { $0.id != child.id } == expected.programs)
        #expect(try await reopened.program(child.id)?.code == child.code)
    }

    /// 1,000 children of a 100-file project, each changing one line of one file of a parent drawn
    /// from those before it. Prints the sizes (the note quotes them).
    @Test("1,000 children of a 100-file project store within twice one copy of the project plus their diffs, and read back whole")
    func storesOneCopyPlusChanges() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-tree-store-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("evolve.sqlite").path
        let store = try SQLiteProgramStore(path: path)
        let start = Self.project(files: 100)
        try await store.commit(
            program: Grid.make("start", result: EvaluationResult(status: .success, score: 0), island: 0, origin: .initial, code: start.encoded),
            attempts: [])
        // A copy of the start (a migrant's) differs from it in no file.
        var copy = Grid.make("copy", result: EvaluationResult(status: .success, score: 0), island: 1, origin: .migration, code: start.encoded)
        copy.iteration = 0
        try await store.commit(program: copy, attempts: [])
        var trees = [start, start]
        var generator = SystemRandomNumberGenerator()
        var diffBytes = 0
        for index in 0..<1000 {
            let parent = trees[Int.random(in: 0..<trees.count, using: &generator)]
            var tree = parent
            let file = tree.paths[Int.random(in: 0..<tree.paths.count, using: &generator)]
            let line = "    value_\(Int.random(in: 0..<60, using: &generator)) = "
            tree.files[file] = tree.files[file]!.replacingOccurrences(of: line, with: line + "\(index) + ")
            diffBytes += LineDiff.programLines(from: parent.encoded, to: tree.encoded).filter { $0.kind != " " }.reduce(0) { $0 + $1.text.utf8.count + 2 }
            trees.append(tree)
            var program = Grid.make("c\(index)", result: EvaluationResult(status: .success, score: Double(index)), island: 0, origin: .mutation, code: tree.encoded)
            program.iteration = index + 1
            try await store.commit(program: program, attempts: [])
        }
        let stored = try await store.allPrograms()
        #expect(stored.map(\.code) == trees.map(\.encoded))
        let queue = try DatabaseQueue(path: path)
        let (blobs, codeBytes) = try await queue.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT count(*) FROM blobs") ?? 0,
                try Int.fetchOne(db, sql: "SELECT (SELECT sum(length(CAST(text AS BLOB))) FROM blobs) + (SELECT sum(length(CAST(code AS BLOB))) FROM programs)") ?? 0
            )
        }
        let projectBytes = start.files.values.reduce(0) { $0 + $1.utf8.count }
        #expect(blobs <= Set(trees.flatMap { $0.files.values }).count)
        #expect(codeBytes <= 2 * (projectBytes + diffBytes), "stored \(codeBytes) B for a \(projectBytes) B project and \(diffBytes) B of diffs")
        try await queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        let fileBytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        print("multi-file store: project \(projectBytes) B, 1000 children, diffs \(diffBytes) B, code stored \(codeBytes) B (\(blobs) blobs), database file \(fileBytes) B")
    }
}
