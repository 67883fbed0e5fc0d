import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

/// The honest verifiers through the `evolve` binary: `evolve run` with `evaluator.recheck` and
/// `evaluator.final`, then what `evolve best` and `evolve compare` show of them.
@Suite("Honest verifiers end to end", .serialized)
struct VerificationEndToEndTests {
    @Test("a program that games the search evaluator: `evolve best` and the report show its held-out failure beside its score")
    func gamedBestIsShown() async throws {
        let problem = try knapsackProblem()
        defer { problem.remove() }
        let yaml = problem.url.appendingPathComponent("evolve.yaml")
        let text = try String(contentsOf: yaml, encoding: .utf8)
        let evaluator = "evaluator:\n  command: \"python3 evaluate.py {program}\"\n"
        #expect(text.contains(evaluator))
        try text.replacingOccurrences(
            of: evaluator, with: evaluator + "  recheck: 2\n  final:\n    command: python3 holdout.py {program}\n"
        ).write(to: yaml, atomically: true, encoding: .utf8)
        try KnapsackAnswers.heldOutEvaluator.write(to: problem.url.appendingPathComponent("holdout.py"), atomically: true, encoding: .utf8)

        try await LoopbackLLMServer.with(replies: [.answer(KnapsackAnswers.hardCoded)]) { server in
            let runDirectory = problem.url.appendingPathComponent("runs/verified").path
            let run = try runEvolve(["run", problem.url.path, "--ollama-url", server.url, "--iterations", "1", "--run-dir", runDirectory])
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(run.stderr.contains("new best (rechecked 2×, stable (identical scores); held-out invalid_result (search 275.0))"), "\(run.stderr)")

            let best = try runEvolve(["best", runDirectory])
            #expect(best.status == 0, "stderr: \(best.stderr)")
            #expect(best.stdout.contains("best score 275.0"), "\(best.stdout)")
            #expect(best.stdout.contains("verified: rechecked 2×, stable (identical scores); held-out invalid_result (search 275.0)"), "\(best.stdout)")
            #expect(best.stdout.contains("held-out score of the start: 30.0"), "\(best.stdout)")

            let out = problem.url.appendingPathComponent("report")
            let compare = try runEvolve(["compare", runDirectory, "--out", out.path])
            #expect(compare.status == 0, "stderr: \(compare.stderr)")
            let markdown = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
            #expect(markdown.contains("| map_elites | – | 1/1 | 0 (0) |"), "\(markdown)")
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("report.json"))) as? [String: Any]
            let runs = json?["runs"] as? [[String: Any]]
            let verifiers = runs?.first?["verifiers"] as? [String: Any]
            #expect(verifiers?["initial_held_out"] as? Double == 30)
            #expect(verifiers?["held_out_failed"] as? Bool == true)
        }
    }
}
