import EvolveCore
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The evaluator cascade over real problem directories: every misbehaving evaluator becomes a
/// recorded failure with a status and a reason that can go back to the model, never a throw.
@Suite struct EvaluatorTests {
    struct Misbehaviour: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var evaluator: String
        var sandbox: String = "timeout: 20"
        var status: EvaluationResult.Status
        /// Words the failure reason must contain (compared case-insensitively).
        var reason: [String]
    }

    static let misbehaviours: [Misbehaviour] = [
        Misbehaviour(testDescription: "prints nothing", evaluator: "pass\n", status: .invalidResult, reason: ["printed nothing"]),
        Misbehaviour(
            testDescription: "prints text that is not JSON", evaluator: "print('score: 12')\n", status: .invalidResult,
            reason: ["not JSON", "score: 12"]),
        Misbehaviour(
            testDescription: "JSON without a score", evaluator: "import json\nprint(json.dumps({'metrics': {'weight': 3}}))\n",
            status: .invalidResult, reason: ["no \"score\""]),
        Misbehaviour(
            testDescription: "score is the string abc", evaluator: "import json\nprint(json.dumps({'score': 'abc'}))\n",
            status: .invalidResult, reason: ["not a number", "abc"]),
        Misbehaviour(
            testDescription: "score is NaN", evaluator: "import json\nprint(json.dumps({'score': float('nan')}))\n",
            status: .invalidResult, reason: ["nan", "not a finite number"]),
        Misbehaviour(
            testDescription: "score is Infinity", evaluator: "import json\nprint(json.dumps({'score': float('inf')}))\n",
            status: .invalidResult, reason: ["inf", "not a finite number"]),
        Misbehaviour(
            testDescription: "exits 3 after a traceback",
            evaluator: """
                import json, sys, traceback
                print(json.dumps({"score": 10}))
                try:
                    1 / 0
                except ZeroDivisionError:
                    traceback.print_exc()
                    sys.exit(3)
                """,
            status: .crashed, reason: ["status 3", "ZeroDivisionError: division by zero"]),
        Misbehaviour(
            testDescription: "runs past the wall clock", evaluator: "import time\ntime.sleep(300)\n", sandbox: "timeout: 1",
            status: .timeout, reason: ["1 s", "wall clock"]),
        Misbehaviour(
            testDescription: "reports an error", evaluator: "import json\nprint(json.dumps({'error': 'infeasible'}))\n",
            status: .invalidResult, reason: ["reported an error", "infeasible"]),
        Misbehaviour(
            testDescription: "reports an error and exits 1",
            evaluator: "import json, sys\nprint(json.dumps({'error': 'weight 179 exceeds 80'}))\nsys.exit(1)\n",
            status: .crashed, reason: ["status 1", "reported an error", "weight 179 exceeds 80"]),
        Misbehaviour(
            testDescription: "floods standard output",
            evaluator: """
                import sys
                line = "y" * 9999 + "\\n"
                for _ in range(5000):
                    sys.stdout.write(line)
                print('{"score": 1}')
                """,
            sandbox: "timeout: 20\nmax_file_mb: 2\noutput_kb: 16",
            status: .crashed, reason: ["exited with status", "File too large"]),
        Misbehaviour(
            testDescription: "score is null", evaluator: "import json\nprint(json.dumps({'score': None}))\n",
            status: .invalidResult, reason: ["not a number", "null"]),
    ]

    @Test(arguments: misbehaviours)
    func misbehavingEvaluatorIsARecordedFailure(_ bad: Misbehaviour) async throws {
        let fixture = try ProblemFixture(evaluator: bad.evaluator, sandbox: bad.sandbox)
        defer { fixture.remove() }
        let started = ContinuousClock.now

        let result = try await fixture.evaluator.evaluate("VALUE = 1\n")

        #expect(result.status == bad.status, "reason: \(result.failureReason ?? "none")")
        #expect(result.score == nil)
        #expect(result.isSuccess == false)
        let reason = try #require(result.failureReason)
        for word in bad.reason {
            #expect(reason.lowercased().contains(word.lowercased()), "`\(word)` missing from: \(reason)")
        }
        #expect(reason.count < 1_000, "a reason for the model should be short; got \(reason.count) characters")
        #expect(result.stdoutTail.utf8.count <= fixture.problem.configuration.sandbox.outputKB << 10)
        #expect(result.stage == nil)
        #expect(seconds(since: started) < 20)
        #expect(fixture.leftovers.isEmpty, "left behind: \(fixture.leftovers)")
    }

    @Test func timeoutIsEnforcedWithinGenerousBounds() async throws {
        let fixture = try ProblemFixture(evaluator: "import time\ntime.sleep(300)\n", sandbox: "timeout: 1.5")
        defer { fixture.remove() }
        let started = ContinuousClock.now
        let result = try await fixture.evaluator.evaluate("VALUE = 1\n")
        let elapsed = seconds(since: started)
        #expect(result.status == .timeout)
        #expect(result.failureReason?.contains("1.5 s") == true, "\(result.failureReason ?? "")")
        #expect(elapsed >= 1.4 && elapsed < 1.5 + 3, "took \(elapsed) s")
        #expect(result.duration >= 1.4 && result.duration < 1.5 + 3)
    }

    @Test func successCarriesScoreMetricsFeaturesArtifactsAndOutput() async throws {
        let fixture = try ProblemFixture(
            evaluator: """
                import json, sys
                print("progress: starting")
                print("a warning", file=sys.stderr)
                print(json.dumps({
                    "score": 275.5,
                    "metrics": {"weight": 80, "items": [1, 2], "feasible": True, "note": "ok", "none": None},
                    "features": {"size": 3.5, "depth": 2},
                    "artifacts": {"solution": [0, 3], "log": "chosen items"},
                }))
                """)
        defer { fixture.remove() }

        let result = try await fixture.evaluator.evaluate("VALUE = 1\n")

        #expect(result.status == .success, "\(result.failureReason ?? "")")
        #expect(result.score == 275.5)
        #expect(result.failureReason == nil)
        #expect(result.metrics["weight"] == .number(80))
        #expect(result.metrics["items"] == .array([.number(1), .number(2)]))
        #expect(result.metrics["feasible"] == .bool(true))
        #expect(result.metrics["note"] == .string("ok"))
        #expect(result.metrics["none"] == .null)
        #expect(result.features == ["size": 3.5, "depth": 2])
        #expect(result.artifacts["solution"] == .array([.number(0), .number(3)]))
        #expect(result.artifacts["log"] == .string("chosen items"))
        #expect(result.stdoutTail.hasPrefix("progress: starting\n"))
        #expect(result.stderrTail == "a warning\n")
        #expect(result.duration > 0)
        #expect(result.stage == nil)
        #expect(fixture.leftovers.isEmpty)
    }

    @Test func candidateIsPassedWithTheProgramsExtension() async throws {
        let fixture = try ProblemFixture(
            evaluator: """
                import json, os, sys
                namespace = {}
                exec(open(sys.argv[1]).read(), namespace)
                print(json.dumps({"score": namespace["VALUE"], "metrics": {"name": os.path.basename(sys.argv[1])}}))
                """)
        defer { fixture.remove() }
        let result = try await fixture.evaluator.evaluate("VALUE = 17\n")
        #expect(result.score == 17)
        #expect(result.metrics["name"] == .string("program.py"))
    }

    @Test func noiseBeforeTheReportIsCappedButTheReportStillCounts() async throws {
        let fixture = try ProblemFixture(
            evaluator: """
                import json
                for i in range(4000):
                    print("noise line %05d " % i + "z" * 34)   # 200 KB
                print(json.dumps({"score": 42.0}))
                """)
        defer { fixture.remove() }
        let result = try await fixture.evaluator.evaluate("VALUE = 1\n")
        #expect(result.status == .success, "\(result.failureReason ?? "")")
        #expect(result.score == 42)
        #expect(result.stdoutTail.utf8.count <= 64 << 10)
        #expect(!result.stdoutTail.contains("noise line 00000"))
        #expect(result.stdoutTail.hasSuffix("{\"score\": 42.0}\n"))
    }

    @Test func resultFileWinsOverStandardOutput() async throws {
        let fixture = try ProblemFixture(
            evaluator: """
                import json, os
                with open(os.path.join(os.environ["EVOLVE_EVAL_DIR"], "result.json"), "w") as f:
                    json.dump({"score": 7, "metrics": {"from": "file"}}, f)
                print(json.dumps({"score": 1, "metrics": {"from": "stdout"}}))
                """)
        defer { fixture.remove() }
        let result = try await fixture.evaluator.evaluate("VALUE = 1\n")
        #expect(result.status == .success)
        #expect(result.score == 7)
        #expect(result.metrics["from"] == .string("file"))
    }

    @Test func memoryLimitIsACrashNamingMemoryError() async throws {
        let fixture = try ProblemFixture(
            evaluator: "block = bytearray(2 * 1024 ** 3)\nprint('{\"score\": 1}')\n", sandbox: "timeout: 20\nmemory_mb: 256")
        defer { fixture.remove() }
        let result = try await fixture.evaluator.evaluate("VALUE = 1\n")
        #expect(result.status == .crashed)
        #expect(result.stderrTail.contains("MemoryError"))
        #expect(result.failureReason?.contains("MemoryError") == true, "\(result.failureReason ?? "")")
    }

    static let commandForms = ["python3 evaluate.py {program}", "[python3, evaluate.py, \"{program}\"]"]

    @Test(arguments: commandForms)
    func cpuLimitIsACrashThatSaysCPU(_ command: String) async throws {
        let fixture = try ProblemFixture(
            yaml: """
                evaluator:
                  command: \(command)
                sandbox:
                  timeout: 60
                  cpu_seconds: 1
                """,
            files: ["evaluate.py": "while True:\n    pass\n"])
        defer { fixture.remove() }
        let started = ContinuousClock.now
        let result = try await fixture.evaluator.evaluate("VALUE = 1\n")
        #expect(seconds(since: started) < 30)
        #expect(result.status == .crashed, "\(result.failureReason ?? "")")
        do {
            #expect(result.failureReason?.contains("CPU") == true, "reason: \(result.failureReason ?? "")")
        }
    }

    @Test func signalThatKillsAShellStringEvaluatorIsNamed() async throws {
        // The default command form is a shell string; /bin/sh (dash) forks rather than execs, so
        // the evaluator's death by signal reaches the sandbox as exit status 128 + n.
        let fixture = try ProblemFixture(
            evaluator: "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n")
        defer { fixture.remove() }
        let result = try await fixture.evaluator.evaluate("VALUE = 1\n")
        #expect(result.status == .crashed)
        do {
            #expect(result.failureReason?.contains("SIGSEGV") == true, "reason: \(result.failureReason ?? "")")
        }
    }

    @Test func signalThatKillsAnArgumentListEvaluatorIsNamed() async throws {
        let fixture = try ProblemFixture(
            yaml: """
                evaluator:
                  command: [python3, evaluate.py, "{program}"]
                """,
            files: ["evaluate.py": "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n"])
        defer { fixture.remove() }
        let result = try await fixture.evaluator.evaluate("VALUE = 1\n")
        #expect(result.status == .crashed)
        #expect(result.failureReason?.contains("SIGSEGV") == true, "reason: \(result.failureReason ?? "")")
    }

    // MARK: - Cascade

    /// quick.py scores VALUE; final.py leaves a marker file and scores VALUE × 100.
    static func cascade(direction: String, threshold: Double, quickTimeout: String = "") throws -> ProblemFixture {
        try ProblemFixture(
            yaml: """
                goal:
                  direction: \(direction)
                evaluator:
                  command: "python3 final.py {program}"
                  stages:
                    - name: quick
                      command: "python3 quick.py {program}"
                      threshold: \(threshold)\(quickTimeout)
                sandbox:
                  timeout: 20
                """,
            files: [
                "quick.py": """
                    import json, sys
                    namespace = {}
                    exec(open(sys.argv[1]).read(), namespace)
                    if namespace.get("CRASH"):
                        raise RuntimeError("quick stage broke")
                    if namespace.get("HANG"):
                        import time
                        time.sleep(300)
                    print(json.dumps({"score": namespace["VALUE"], "metrics": {"stage": "quick"}}))
                    """,
                "final.py": """
                    import json, sys
                    open("final_ran.marker", "w").write("yes")
                    namespace = {}
                    exec(open(sys.argv[1]).read(), namespace)
                    print(json.dumps({"score": namespace["VALUE"] * 100, "metrics": {"stage": "final"}}))
                    """,
            ])
    }

    struct CascadeCase: Sendable, CustomTestStringConvertible {
        var direction: String
        var value: Double
        var passes: Bool
        var testDescription: String { "\(direction), first stage scores \(value): \(passes ? "passes" : "stops")" }
    }

    static let cascadeCases: [CascadeCase] = [
        CascadeCase(direction: "maximize", value: 5, passes: false),
        CascadeCase(direction: "maximize", value: 10, passes: true),
        CascadeCase(direction: "maximize", value: 12, passes: true),
        CascadeCase(direction: "minimize", value: 20, passes: false),
        CascadeCase(direction: "minimize", value: 10, passes: true),
        CascadeCase(direction: "minimize", value: 5, passes: true),
    ]

    @Test(arguments: cascadeCases)
    func cascadeStopsBelowTheThresholdAndOtherwiseScoresWithTheLastStage(_ example: CascadeCase) async throws {
        let fixture = try Self.cascade(direction: example.direction, threshold: 10)
        defer { fixture.remove() }

        let result = try await fixture.evaluator.evaluate("VALUE = \(example.value)\n")

        if example.passes {
            #expect(result.status == .success, "\(result.failureReason ?? "")")
            #expect(result.score == example.value * 100)
            #expect(result.stage == "final")
            #expect(result.metrics["stage"] == .string("final"))
            #expect(fixture.exists("final_ran.marker"))
        } else {
            #expect(result.status == .belowThreshold)
            #expect(result.score == example.value)
            #expect(result.stage == "quick")
            let reason = result.failureReason ?? ""
            #expect(reason.contains("quick") && reason.contains("threshold") && reason.contains("10"), "\(reason)")
            #expect(!fixture.exists("final_ran.marker"), "the second stage ran although the first fell short")
        }
        #expect(fixture.leftovers.isEmpty)
    }

    @Test func cascadeStopsAtAFailingFirstStage() async throws {
        let fixture = try Self.cascade(direction: "maximize", threshold: 1)
        defer { fixture.remove() }
        let result = try await fixture.evaluator.evaluate("VALUE = 50\nCRASH = True\n")
        #expect(result.status == .crashed)
        #expect(result.stage == "quick")
        #expect(result.failureReason?.contains("quick stage broke") == true, "\(result.failureReason ?? "")")
        #expect(!fixture.exists("final_ran.marker"))
    }

    @Test func stageTimeoutOverridesTheSandboxTimeout() async throws {
        let fixture = try Self.cascade(direction: "maximize", threshold: 1, quickTimeout: "\n      timeout: 1")
        defer { fixture.remove() }
        let started = ContinuousClock.now
        let result = try await fixture.evaluator.evaluate("VALUE = 50\nHANG = True\n")
        #expect(seconds(since: started) < 1 + 3)
        #expect(result.status == .timeout)
        #expect(result.stage == "quick")
        #expect(!fixture.exists("final_ran.marker"))
    }

    @Test func cascadeDurationCountsEveryStage() async throws {
        let fixture = try ProblemFixture(
            yaml: """
                evaluator:
                  command: "python3 slow.py {program}"
                  stages:
                    - command: "python3 slow.py {program}"
                      threshold: 0
                """,
            files: ["slow.py": "import time\ntime.sleep(0.4)\nprint('{\"score\": 1}')\n"])
        defer { fixture.remove() }
        let result = try await fixture.evaluator.evaluate("VALUE = 1\n")
        #expect(result.status == .success)
        #expect(result.duration >= 0.8, "duration \(result.duration) should cover both stages")
    }

    @Test func missingSandboxRootIsASandboxErrorNotAThrow() async throws {
        let fixture = try ProblemFixture(evaluator: "print('{\"score\": 1}')\n")
        defer { fixture.remove() }
        // A temporary root that cannot be created: its parent is a regular file.
        let blocker = fixture.scratch.url.appendingPathComponent("not-a-directory")
        try Data("x".utf8).write(to: blocker)
        let evaluator = Evaluator(sandbox: ProcessSandbox(configuration: .init(temporaryRoot: blocker.appendingPathComponent("root")), logger: testLogger), problem: fixture.problem)
        let result = try await evaluator.evaluate("VALUE = 1\n")
        #expect(result.status == .sandboxError)
        #expect(result.failureReason?.contains(blocker.path) == true, "\(result.failureReason ?? "")")
    }
}
