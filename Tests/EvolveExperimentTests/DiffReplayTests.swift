import EvolveExperiment
import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

/// `evolve-bench diffs`: stored SEARCH/REPLACE answers replayed against their parents.
@Suite struct DiffReplayTests {
    static let solve = """
        import math
        # EVOLVE-BLOCK-START
        def solve(n):
            total = 0
            for i in range(n):
                total += i
            return total
        # EVOLVE-BLOCK-END
        print(solve(10))

        """
    /// Two lines a one-line SEARCH part is equally close to.
    static let pair = "# EVOLVE-BLOCK-START\na = compute(1)\nb = compute(2)\n# EVOLVE-BLOCK-END\n"

    static func diff(_ search: String, _ replace: String) -> String {
        "Here is my change:\n<<<<<<< SEARCH\n\(search)\n=======\n\(replace)\n>>>>>>> REPLACE\n"
    }

    static func program(_ id: String, _ code: String) -> Program {
        Program(
            id: ProgramID(id), parentID: nil, origin: .initial, iteration: 0, island: 0, generation: 0, code: code,
            result: EvaluationResult(status: .success, score: 1, duration: 0.1))
    }

    /// One stored answer per iteration: (parent, answer, recorded outcome, recorded kind).
    static let answers: [(String, String, AttemptRecord.Outcome, String?)] = [
        ("solve", diff("        total += i", "        total += 2 * i"), .accepted, nil),
        ("solve", diff("for i in range(n):\n    total += i", "for i in range(n):\n    total -= i"), .accepted, nil),
        ("solve", diff("    total = 0\n    for j in range(n):\n        total += j\n    return total", "    return n * (n - 1) // 2"), .rejected, "no_match"),
        ("solve", diff("    result = []\n    while True:\n        break", "    pass"), .rejected, "no_match"),
        ("pair", diff("c = compute(3)", "c = compute(4)"), .rejected, "no_match"),
        ("solve", "```python\n# EVOLVE-BLOCK-START\ndef solve(n):\n    return 45\n# EVOLVE-BLOCK-END\n```", .accepted, nil),
        ("solve", "I would rather not change anything.", .rejected, "no_blocks"),
        ("gone", diff("    total = 0", "    total = 1"), .rejected, "no_match"),
        ("solve", "", .modelError, "timeout"),
    ]

    /// A run folder whose store holds the two parents and `answers`, written through the real store.
    static func writeRun(in directory: TemporaryDirectory) async throws -> RunDirectory {
        let run = RunDirectory(url: directory.url.appendingPathComponent("run"))
        try run.create()
        let store = try SQLiteProgramStore(path: run.databasePath)
        try await store.commit(program: program("solve", solve), attempts: [])
        try await store.commit(program: program("pair", pair), attempts: [])
        for (index, (parent, answer, outcome, kind)) in answers.enumerated() {
            let attempt = AttemptRecord(
                iteration: index + 1, attempt: 1, parentID: ProgramID(parent), model: "qwen2.5-coder:1.5b", prompt: "p",
                answer: answer, outcome: outcome, kind: kind)
            try await store.commit(program: nil, attempts: [attempt])
        }
        return run
    }

    @Test func countsExactWhitespaceSimilarAndFailedAnswersPerThreshold() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-diff-replay")
        defer { directory.remove() }
        let run = try await Self.writeRun(in: directory)
        let replay = try await DiffReplay.read([run], matchings: [DiffMatching(threshold: 0.85), DiffMatching(threshold: 0.9)])
        #expect(replay.answers.count == 5)
        #expect(replay.skipped == ["rewrite": 1, "no_blocks": 1, "no_parent": 1])
        let counts = replay.tallies.map { [$0.threshold, $0.margin, Double($0.exact), Double($0.whitespace), Double($0.similar)] }
        #expect(counts == [[1, 0.05, 1, 1, 0], [0.85, 0.05, 1, 1, 1], [0.9, 0.05, 1, 1, 1]])
        // At 0.85 the one-line part is equally close to two lines (0.85 each): ambiguous; at 0.9 too far.
        #expect(replay.tallies.map(\.failed) == [["no_match": 3], ["no_match": 1, "ambiguous": 1], ["no_match": 2]])
        let misquoted = replay.answers[2]
        #expect(misquoted.recorded == "rejected (no_match)")
        #expect(misquoted.results.map(\.match) == [nil, .similar, .similar])
        #expect(misquoted.results[1].similarity.map { $0 > 0.9 } == true)
    }

    @Test func markdownHasARowPerThresholdAndJSONRoundTrips() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-diff-replay")
        defer { directory.remove() }
        let run = try await Self.writeRun(in: directory)
        let replay = try await DiffReplay.read([run], matchings: [DiffMatching(threshold: 0.85)])
        let markdown = replay.markdown
        #expect(markdown.contains("5 answers with SEARCH/REPLACE blocks in 1 run (skipped: no_blocks 1, no_parent 1, rewrite 1)."), "\(markdown)")
        #expect(markdown.contains("| 1 (exact only) | 2 (40%) | 1 | 1 | 0 | 3 (60%) | no_match 3 |"), "\(markdown)")
        #expect(markdown.contains("| 0.85 (margin 0.05) | 3 (60%) | 1 | 1 | 1 | 2 (40%) | ambiguous 1, no_match 1 |"), "\(markdown)")
        let decoded = try JSONDecoder().decode(DiffReplay.self, from: JSONEncoder().encode(replay))
        #expect(decoded == replay)
    }
}
