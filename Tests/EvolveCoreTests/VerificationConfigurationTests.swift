import EvolveCore
import Testing

/// `evaluator.recheck`, `evaluator.recheck_tolerance`, `evaluator.refuse_unstable` and `evaluator.final`.
@Suite("Honest verifiers' configuration")
struct VerificationConfigurationTests {
    func parse(_ yaml: String) throws -> EvaluatorConfiguration {
        try ProblemConfiguration.parse(yaml: yaml, file: "evolve.yaml").evaluator
    }

    @Test("by default nothing is evaluated again")
    func defaults() throws {
        let evaluator = try parse("evaluator:\n  command: python3 evaluate.py {program}\n")
        #expect(evaluator.recheck == 0)
        #expect(evaluator.heldOut == nil)
        #expect(!evaluator.refuseUnstable)
        #expect(!evaluator.verifiesBests)
    }

    @Test("rechecks, their tolerance, refusal and a held-out stage are read")
    func everything() throws {
        let evaluator = try parse("""
            evaluator:
              command: python3 evaluate.py {program}
              recheck: 3
              recheck_tolerance: 0.01
              refuse_unstable: true
              final:
                command: [python3, holdout.py, "{program}"]
                timeout: 30
            """)
        #expect(evaluator.recheck == 3)
        #expect(evaluator.recheckTolerance == 0.01)
        #expect(evaluator.refuseUnstable)
        #expect(evaluator.heldOut == EvaluationStage(name: "held-out", command: .arguments(["python3", "holdout.py", "{program}"]), timeout: 30))
        #expect(evaluator.verifiesBests)
    }

    @Test("a held-out stage keeps the name it is given")
    func namedHeldOut() throws {
        let evaluator = try parse("evaluator:\n  final:\n    name: unseen instances\n    command: python3 holdout.py {program}\n")
        #expect(evaluator.heldOut?.name == "unseen instances")
        #expect(evaluator.recheck == 0)
    }
}

/// What a verification says about a would-be best.
@Suite("Verification of a would-be best")
struct VerificationTests {
    func check(_ score: Double?, status: EvaluationResult.Status = .success) -> Verification.Check {
        Verification.Check(EvaluationResult(status: status, score: score, failureReason: score == nil ? "it crashed" : nil, duration: 0.5))
    }

    @Test("scores that reproduce within the tolerance are stable")
    func stable() {
        let verification = Verification(searchScore: 10, rechecks: [check(10.004), check(9.999)], tolerance: 0.01, heldOut: check(8))
        #expect(verification.isStable)
        #expect(verification.instability == nil)
        #expect(verification.heldOutScore == 8)
        #expect(verification.duration == 1.5)
        #expect(verification.summary == "rechecked 2×, stable (within \(verification.spread!)); held-out 8.0 (search 10.0)")
    }

    @Test("a score beyond the tolerance, or a recheck that fails, is unstable and says what was seen")
    func unstable() {
        let drift = Verification(searchScore: 10, rechecks: [check(10), check(7)], tolerance: 0.5, heldOut: nil)
        #expect(!drift.isStable)
        #expect(drift.spread == 3)
        #expect(drift.instability == "its score did not reproduce: the search saw 10.0, evaluated 2 more times it gave 10.0, 7.0 (evaluator.recheck_tolerance 0.5)")
        let crash = Verification(searchScore: 10, rechecks: [check(nil, status: .crashed)], tolerance: 0.5, heldOut: nil)
        #expect(!crash.isStable)
        #expect(crash.instability?.contains("gave crashed") == true)
        #expect(crash.summary == "rechecked 1×, UNSTABLE (no recheck scored)")
    }

    @Test("a recheck the sandbox could not run says nothing about the program")
    func sandboxErrorIsLeftOut() {
        let verification = Verification(searchScore: 10, rechecks: [check(10), check(nil, status: .sandboxError)], tolerance: 0, heldOut: nil)
        #expect(verification.isStable)
        #expect(verification.instability == nil)
    }
}
