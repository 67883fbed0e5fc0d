import EvolveExperiment
import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

/// `evolve-bench answers`: every stored answer applied again by this engine, beside its record.
@Suite struct AnswerReplayTests {
    static let parent = """
        import math
        # EVOLVE-BLOCK-START
        def solve(n):
            return n
        # EVOLVE-BLOCK-END
        print(solve(10))

        """

    /// One stored answer per iteration: (answer, recorded outcome, recorded kind), as an earlier
    /// engine recorded them.
    static let answers: [(String, AttemptRecord.Outcome, String?)] = [
        // Prose naming the markers: an earlier engine called it broken markers; it holds no program.
        ("Keep the EVOLVE-BLOCK-START line and change the function below it.", .rejected, "markers_changed"),
        // A rewrite whose new import sits above the block: accepted then, its import now moved in.
        ("```python\nimport itertools\n# EVOLVE-BLOCK-START\ndef solve(n):\n    return sum(itertools.repeat(1, n))\n# EVOLVE-BLOCK-END\n```", .accepted, nil),
        ("<<<<<<< SEARCH\n    return n\n=======\n    return 2 * n\n>>>>>>> REPLACE", .accepted, nil),
        ("<<<<<<< SEARCH\n    return n\n=======\n    return n\n>>>>>>> REPLACE", .duplicate, nil),
        // A misquoted SEARCH part that similar-line matching now places.
        ("<<<<<<< SEARCH\n    return  n \n    # done\n=======\n    return n + 1\n>>>>>>> REPLACE", .rejected, "no_match"),
        ("", .modelError, "timeout"),
    ]

    static func writeRun(in directory: TemporaryDirectory) async throws -> RunDirectory {
        let run = RunDirectory(url: directory.url.appendingPathComponent("run"))
        try run.create()
        let store = try SQLiteProgramStore(path: run.databasePath)
        let program = Program(
            id: ProgramID("p"), parentID: nil, origin: .initial, iteration: 0, island: 0, generation: 0, code: parent,
            result: EvaluationResult(status: .success, score: 1, duration: 0.1))
        try await store.commit(program: program, attempts: [])
        for (index, (answer, outcome, kind)) in answers.enumerated() {
            let attempt = AttemptRecord(
                iteration: index + 1, attempt: 1, parentID: ProgramID("p"), model: "m", prompt: "p", answer: answer, outcome: outcome, kind: kind)
            try await store.commit(program: nil, attempts: [attempt])
        }
        return run
    }

    @Test func eachAnswerIsReappliedAndComparedWithItsRecord() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-answer-replay")
        defer { directory.remove() }
        let replay = try await AnswerReplay.read([try await Self.writeRun(in: directory)])
        #expect(replay.skipped == ["model_error": 1])
        #expect(replay.answers.map(\.now) == ["rejected (no_blocks)", "child, imports moved", "child", "rejected (identical)", "rejected (no_match)"])
        #expect(replay.answers.map(\.recorded) == ["rejected (markers_changed)", "accepted", "accepted", "duplicate", "rejected (no_match)"])
        #expect(replay.gained == 0 && replay.lost == 0)
        let markdown = replay.markdown
        #expect(markdown.contains("5 answers in 1 run (skipped: model_error 1): 0 the runs rejected make a child now, 0 they accepted are rejected now."), "\(markdown)")
        #expect(markdown.contains("| accepted | 1 | 1 | 0 | 0 | 0 |"), "\(markdown)")
        #expect(markdown.contains("| rejected (markers_changed) | 0 | 0 | 0 | 1 | 0 |"), "\(markdown)")
    }

    @Test func looserMatchingTurnsARejectionIntoAChild() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-answer-replay")
        defer { directory.remove() }
        let replay = try await AnswerReplay.read([try await Self.writeRun(in: directory)], matching: DiffMatching(threshold: 0.6))
        #expect(replay.answers.last?.now == "child")
        #expect(replay.gained == 1)
        #expect(try JSONDecoder().decode(AnswerReplay.self, from: JSONEncoder().encode(replay)) == replay)
    }
}
