import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import GRDB
import Testing

/// The honest verifiers in a run: `evaluator.recheck` evaluates each would-be best again,
/// `evaluator.final` scores it on a held-out instance; both are stored with the program.
@Suite("Honest verifiers in a run", .serialized)
struct VerificationRunTests {
    /// Scores like evaluate.py plus a random amount under 1, so no score ever reproduces.
    static let noisyEvaluator = """
        import json
        import random
        import sys

        import evaluate

        report = evaluate.evaluate(sys.argv[1])
        if "score" in report:
            report["score"] += random.random()
        print(json.dumps(report))

        """

    /// examples/knapsack answered by `replies`, one iteration per reply, with the held-out evaluator beside it.
    func knapsack(_ directory: TemporaryDirectory, server: LoopbackLLMServer, iterations: Int) throws -> Problem {
        var problem = try ReplayRunTests().knapsack(directory, serverURL: server.url)
        problem.configuration.search.iterations = iterations
        problem.configuration.search.novelty.enabled = false
        try KnapsackAnswers.heldOutEvaluator.write(to: directory.url.appendingPathComponent("holdout.py"), atomically: true, encoding: .utf8)
        try Self.noisyEvaluator.write(to: directory.url.appendingPathComponent("noisy.py"), atomically: true, encoding: .utf8)
        return problem
    }

    @Test("each would-be best is evaluated again and on the held-out instance; other children are not")
    func bestsAreVerified() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-verify")
        defer { directory.remove() }
        let server = try await LoopbackLLMServer.start(replies: [.answer(KnapsackAnswers.variant(1)), .answer(KnapsackAnswers.dynamicProgramming)])
        var problem = try knapsack(directory, server: server, iterations: 2)
        problem.configuration.evaluator.recheck = 2
        problem.configuration.evaluator.heldOut = EvaluationStage(name: "held-out", command: .shell("python3 holdout.py {program}"))
        let (programs, _) = try await DiffMatchRunTests().run(problem)
        await server.shutdown()

        let start = try #require(programs.first { $0.origin == .initial })
        let best = try #require(programs.first { $0.score == 275 })
        let other = try #require(programs.first { $0.origin == .mutation && $0.id != best.id })
        #expect(other.score == start.score, "the variant changes a comment only")
        #expect(other.verification == nil, "a child that does not beat the best is not verified")
        let verification = try #require(best.verification)
        #expect(verification.rechecks.map(\.score) == [275, 275])
        #expect(verification.isStable && !verification.refused)
        #expect(verification.heldOutScore == 40)
        #expect(start.verification?.heldOutScore == 30, "the start's held-out score is the baseline")
        #expect(best.result.status == .success && best.score == 275, "the search score stays the search evaluator's")
    }

    @Test("a program that games the search evaluator keeps its search score and fails the held-out stage")
    func gamingIsExposed() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-verify")
        defer { directory.remove() }
        let server = try await LoopbackLLMServer.start(replies: [.answer(KnapsackAnswers.hardCoded)])
        var problem = try knapsack(directory, server: server, iterations: 1)
        problem.configuration.evaluator.heldOut = EvaluationStage(name: "held-out", command: .shell("python3 holdout.py {program}"))
        let (programs, _) = try await DiffMatchRunTests().run(problem)
        await server.shutdown()

        let child = try #require(programs.first { $0.origin == .mutation })
        #expect(child.score == 275)
        let heldOut = try #require(child.verification?.heldOut)
        #expect(heldOut.status == .invalidResult)
        #expect(heldOut.failureReason?.contains("out of range") == true, "\(heldOut.failureReason ?? "")")
        #expect(child.verification?.summary == "held-out invalid_result (search 275.0)")
    }

    @Test("a would-be best whose score does not reproduce is flagged, and refused with refuse_unstable", arguments: [false, true])
    func unstableBest(refuse: Bool) async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-verify")
        defer { directory.remove() }
        let server = try await LoopbackLLMServer.start(replies: [.answer(KnapsackAnswers.dynamicProgramming)])
        var problem = try knapsack(directory, server: server, iterations: 1)
        problem.configuration.evaluator.command = .shell("python3 noisy.py {program}")
        problem.configuration.evaluator.recheck = 2
        problem.configuration.evaluator.refuseUnstable = refuse
        let (programs, _) = try await DiffMatchRunTests().run(problem)
        await server.shutdown()

        let start = try #require(programs.first { $0.origin == .initial })
        #expect(start.verification?.isStable == false)
        #expect(start.result.status == .success, "the starting program is flagged, never refused")
        let child = try #require(programs.first { $0.origin == .mutation })
        let verification = try #require(child.verification)
        #expect(!verification.isStable)
        #expect(verification.rechecks.count == 2)
        #expect(verification.refused == refuse)
        if refuse {
            #expect(child.result.status == .unstable)
            #expect(child.score == nil, "a refused program is never the best")
            #expect(child.result.failureReason?.hasPrefix("refused: its score did not reproduce: the search saw 275.") == true)
        } else {
            #expect(child.result.status == .success)
            #expect((child.score ?? 0) >= 275)
        }
    }
}
