import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

/// `evolve-bench diffs` as a user runs it, on a run store written through the real store.
@Suite struct BenchDiffsTests {
    static var benchBinary: URL { PackagePaths.evolveBinary.deletingLastPathComponent().appendingPathComponent("evolve-bench") }

    static let parent = "# EVOLVE-BLOCK-START\ndef solve(n):\n    total = 0\n    for i in range(n):\n        total += i\n    return total\n# EVOLVE-BLOCK-END\n"

    /// A run with the parent and two answers: one quoting it exactly, one with `i` misquoted as `j`.
    func writeRun(in directory: TemporaryDirectory) async throws -> URL {
        let run = directory.url.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        let store = try SQLiteProgramStore(path: run.appendingPathComponent("evolve.sqlite").path)
        try await store.commit(
            program: Program(
                id: ProgramID("parent"), parentID: nil, origin: .initial, iteration: 0, island: 0, generation: 0, code: Self.parent,
                result: EvaluationResult(status: .success, score: 1, duration: 0.1)),
            attempts: [])
        let answers = [
            ("    return total", "    return total + 1", AttemptRecord.Outcome.accepted, nil as String?),
            ("    for j in range(n):\n        total += j\n    return total", "    return n * (n - 1) // 2", .rejected, "no_match"),
        ]
        for (index, (search, replace, outcome, kind)) in answers.enumerated() {
            let answer = "<<<<<<< SEARCH\n\(search)\n=======\n\(replace)\n>>>>>>> REPLACE"
            try await store.commit(program: nil, attempts: [AttemptRecord(
                iteration: index + 1, attempt: 1, parentID: ProgramID("parent"), model: "m", prompt: "p", answer: answer,
                outcome: outcome, kind: kind)])
        }
        return run
    }

    @Test func printsATableAndWritesJSON() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-bench-diffs")
        defer { directory.remove() }
        let run = try await writeRun(in: directory)
        let json = directory.url.appendingPathComponent("diffs.json")
        let process = Process()
        process.executableURL = Self.benchBinary
        process.arguments = ["diffs", run.path, "--threshold", "0.9", "--json", json.path]
        let result = wait(for: try start(process), timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("| 1 (exact only) | 1 (50%) | 1 | 0 | 0 | 1 (50%) | no_match 1 |"), "\(result.stdout)")
        #expect(result.stdout.contains("| 0.9 (margin 0.05) | 2 (100%) | 1 | 0 | 1 | 0 (0%) | none |"), "\(result.stdout)")
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any]
        let tallies = report?["tallies"] as? [[String: Any]]
        #expect(tallies?.map { $0["similar"] as? Int } == [0, 1])
    }

    @Test func aFolderWithoutARunIsAUsageError() throws {
        let directory = try TemporaryDirectory(prefix: "evolve-bench-diffs")
        defer { directory.remove() }
        let process = Process()
        process.executableURL = Self.benchBinary
        process.arguments = ["diffs", directory.url.path]
        let result = wait(for: try start(process), timeout: 120)
        #expect(result.status == 64)
        #expect(result.stderr.contains("holds no run"), "\(result.stderr)")
    }
}
