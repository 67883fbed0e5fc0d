
import EvolveCore
import EvolveDatabase
import Foundation
import Testing

@testable import EvolveExperiment
import EvolveController

/// The experiment report beside the search score: the held-out score of the best at each budget,
/// seeds whose final best failed the held-out stage, and unstable would-be bests.
@Suite("Honest verifiers in the experiment report")
struct VerificationReportTests {
    static func program(_ iteration: Int, score: Double, heldOut: Double?, stable: Bool = true) -> Program {
        let recheck = Verification.Check(EvaluationResult(status: .success, score: stable ? score : score + 1))
        let held = Verification.Check(
            heldOut.map { EvaluationResult(status: .success, score: $0) } ?? .failure(.invalidResult, "an index is out of range"))
        return Program(
            id: ProgramID("p\(iteration)"), parentID: iteration == 0 ? nil : ProgramID("p0"), origin: iteration == 0 ? .initial : .mutation,
            iteration: iteration, island: 0, generation: iteration == 0 ? 0 : 1, code: "code \(iteration)",
            result: EvaluationResult(status: .success, score: score),
            verification: Verification(searchScore: score, rechecks: [recheck], tolerance: 0, heldOut: held))
    }

    /// Start 249 (held-out 30); call 1 makes 260 (held-out 35, unstable); call 2 makes nothing
    /// better; call 3 makes 275, which fails the held-out stage.
    static func measurement(seed: UInt64) -> RunMeasurement {
        var worse = program(2, score: 200, heldOut: nil)
        worse.verification = nil
        let programs = [program(0, score: 249, heldOut: 30), program(1, score: 260, heldOut: 35, stable: false), worse, program(3, score: 275, heldOut: nil)]
        let attempts = (1...3).map { iteration in
            AttemptRecord(
                iteration: iteration, attempt: 1, parentID: ProgramID("p0"), model: "m", prompt: "", answer: "", outcome: .accepted,
                createdAt: Date(timeIntervalSince1970: Double(iteration)))
        }
        return RunMeasurement(
            problem: "knapsack", variant: "map_elites", seed: seed, directory: "/runs/\(seed)", configuration: ProblemConfiguration(),
            programs: programs, attempts: attempts)
    }

    @Test("each budget's held-out score is the held-out score of that budget's best program")
    func heldOutFollowsTheBest() throws {
        let run = Self.measurement(seed: 1)
        #expect((0...3).map { run.best(atCalls: $0) } == [249, 260, 260, 275])
        #expect((0...3).map { run.heldOut(atCalls: $0) } == [30, 35, 35, nil])
        let verifiers = try #require(run.verifiers)
        #expect(verifiers.unstable == 1)
        #expect(verifiers.refused == 0)
        #expect(verifiers.heldOutFailed, "the final best scored 275 on the search evaluator only")
    }

    @Test("the report's verifier table gives the held-out medians, the failed seeds and the unstable bests")
    func reportTable() throws {
        let report = ExperimentReport(runs: [Self.measurement(seed: 1), Self.measurement(seed: 2)], maxCalls: 2)
        let variant = try #require(report.problems.first?.variants.first)
        #expect(variant.heldOutAtCalls?["2"]?.median == 35)
        #expect(variant.heldOutFailed == 2)
        #expect(variant.unstableBests == 2)
        let markdown = report.markdown()
        #expect(markdown.contains("| variant | held-out @2 calls | final best failed held-out | unstable bests (refused) |"), "\(markdown)")
        #expect(markdown.contains("| map_elites | 35 [35, 35] | 2/2 | 2 (0) |"), "\(markdown)")
        #expect(!ExperimentReport(runs: [RunMeasurement(
            problem: "knapsack", variant: "plain", seed: 1, directory: "/r", configuration: ProblemConfiguration(),
            programs: [Program(id: ProgramID("s"), parentID: nil, origin: .initial, iteration: 0, island: 0, generation: 0, code: "c",
                result: EvaluationResult(status: .success, score: 1))], attempts: [])]).markdown().contains("Honest verifiers"),
            "a run without verifiers gets no verifier table")
    }
}
