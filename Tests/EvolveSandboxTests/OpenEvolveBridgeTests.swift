import EvolveCore
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

/// OpenEvolve problem directories of our own, each exercising one part of the contract
/// OpenEvolve's examples rely on, scored through the bridge in the default gVisor sandbox (the
/// process sandbox where runsc is missing, outside CI). Each expected score is the value
/// OpenEvolve's rules give (openevolve/evaluator.py, openevolve/utils/metrics_utils.py).
@Suite("OpenEvolve bridge", .serialized)
struct OpenEvolveBridgeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var config: String? = nil
        var evaluator: String
        var program = "# EVOLVE-BLOCK-START\nVALUE = 1\n# EVOLVE-BLOCK-END\n"
        var files: [String: String] = [:]
        var score: Double
        var metrics: [String: JSONValue] = [:]
        var absentMetrics: [String] = []
        var features: [String: Double] = [:]
        var artifacts: [String: String] = [:]
        var stderr: [String] = []
    }

    static let cases: [Case] = [
        Case(
            testDescription: "evaluate() returning a dict: the score is combined_score",
            evaluator: "def evaluate(path):\n    ns = {}\n    exec(open(path).read(), ns)\n    return {'combined_score': ns['VALUE'] / 4, 'accuracy': 0.9}\n",
            score: 0.25, metrics: ["accuracy": .number(0.9)]),
        Case(
            testDescription: "an EvaluationResult with text and bytes artifacts (text bytes decoded as OpenEvolve shows them, binary ones noted)",
            evaluator: """
                from openevolve.evaluation_result import EvaluationResult

                def evaluate(path):
                    return EvaluationResult(
                        metrics={'combined_score': 0.5},
                        artifacts={'log': 'all 3 tests passed', 'raw': b'caf\\xc3\\xa9 and one bad byte \\xff', 'plot': b'\\x89PNG\\r\\n\\x1a\\n\\x00\\x00'})

                """,
            score: 0.5,
            artifacts: ["log": "all 3 tests passed", "raw": "café and one bad byte \u{FFFD}", "plot": "<binary data: 10 bytes>"]),
        Case(
            testDescription: "a start below stage 1's threshold is a scored program with stage 1's metrics; evaluate() is never called",
            config: "evaluator:\n  cascade_thresholds: [0.5, 0.75]\n",
            evaluator: """
                def evaluate(path):
                    return {'combined_score': 0.99}

                def evaluate_stage1(path):
                    return {'combined_score': 0.3, 'validity': 1.0}

                def evaluate_stage2(path):
                    return {'combined_score': 0.9, 'stage2_ran': 1.0}

                """,
            score: 0.3, metrics: ["validity": .number(1)], absentMetrics: ["stage2_ran"]),
        Case(
            testDescription: "stages 1 and 2 merge (numbers only, `error` dropped, flags become 1.0); stage 3 waits for threshold 0.75",
            evaluator: """
                from openevolve.evaluation_result import EvaluationResult

                def evaluate(path):
                    return {'combined_score': 0.99}

                def evaluate_stage1(path):
                    return EvaluationResult({'stage1_score': 0.8, 'note': 'fine', 'error': 0.0}, {'s1': 'stage one ran'})

                def evaluate_stage2(path):
                    return EvaluationResult({'stage2_score': 0.4, 'flag': True}, {'s2': 'stage two ran'})

                def evaluate_stage3(path):
                    return {'combined_score': 5.0}

                """,
            // Stage 1 passes 0.5 (mean 0.8); merged mean (0.8 + 0.4 + 1.0) / 3 = 0.7333 < 0.75.
            score: (0.8 + 0.4 + 1.0) / 3, metrics: ["stage1_score": .number(0.8), "stage2_score": .number(0.4), "flag": .number(1)],
            absentMetrics: ["note", "error", "combined_score"], artifacts: ["s1": "stage one ran", "s2": "stage two ran"]),
        Case(
            testDescription: "no combined_score: the mean of the numeric metrics, flags and NaN left out",
            evaluator: "def evaluate(path):\n    return {'a': 2.0, 'b': 4, 'passed': True, 'nan': float('nan'), 'label': 'x'}\n",
            score: 3.0, metrics: ["passed": .bool(true), "nan": .string("nan"), "label": .string("x")]),
        Case(
            testDescription: "feature dimensions are read from the metrics and left out of the mean",
            config: "database:\n  feature_dimensions: [spread]\n  feature_bins: 6\n",
            evaluator: "def evaluate(path):\n    return {'spread': 10.0, 'quality': 0.5, 'speed': 1.5}\n",
            score: 1.0, features: ["spread": 10]),
        Case(
            testDescription: "a string `error` metric is kept as a metric and does not fail the program",
            evaluator: "def evaluate(path):\n    return {'combined_score': 0.0, 'error': 'Missing run_search function'}\n",
            score: 0, metrics: ["error": .string("Missing run_search function")]),
        Case(
            testDescription: "what the evaluator and its children print goes to standard error, never into the report",
            evaluator: """
                import json, os

                def evaluate(path):
                    print('progress 1 of 2')
                    print(json.dumps({'score': 99}))
                    os.system('echo child output')
                    return {'combined_score': 0.7}

                """,
            score: 0.7, stderr: ["progress 1 of 2", "child output", "{\"score\": 99}"]),
        Case(
            testDescription: "a candidate run as a process imports a helper module from the problem directory",
            evaluator: """
                import subprocess, sys

                def evaluate(path):
                    out = subprocess.run([sys.executable, path], capture_output=True, text=True)
                    print(out.stderr)
                    return {'combined_score': float(out.stdout.strip() or 0)}

                """,
            program: "# EVOLVE-BLOCK-START\nimport helper\nprint(helper.FACTOR)\n# EVOLVE-BLOCK-END\n",
            files: ["helper.py": "FACTOR = 3\n"], score: 3),
        Case(
            testDescription: "an exception in evaluate() is a program scored 0.0 with the traceback as an artifact",
            evaluator: "def evaluate(path):\n    raise ValueError('bad candidate')\n",
            score: 0, metrics: ["error": .number(0)], artifacts: ["traceback": "ValueError: bad candidate"]),
    ]

    static func fixture(_ example: Case) throws -> (TemporaryDirectory, Problem) {
        let directory = try TemporaryDirectory(prefix: "evolve-openevolve")
        var files = example.files
        files["evaluator.py"] = example.evaluator
        files["initial_program.py"] = example.program
        if let config = example.config { files["config.yaml"] = config }
        try directory.write(files)
        return (directory, try Problem.load(from: directory.url))
    }

    /// gVisor (the default backend) where runsc runs; the process sandbox elsewhere outside CI.
    static func sandbox(scratch: URL) -> any Sandbox {
        TestEnvironment.runsGVisorTests ? GVisorSandbox(configuration: .init(temporaryRoot: scratch), logger: testLogger) : ProcessSandbox(configuration: .init(temporaryRoot: scratch), logger: testLogger)
    }

    @Test("the initial program gets the score OpenEvolve's rules give", arguments: cases)
    func scores(_ example: Case) async throws {
        let (directory, problem) = try Self.fixture(example)
        let scratch = try TemporaryDirectory(prefix: "evolve-openevolve-scratch")
        defer {
            directory.remove()
            scratch.remove()
        }
        let sandbox = Self.sandbox(scratch: scratch.url)
        let result = try await Evaluator(sandbox: sandbox, problem: problem).evaluate(problem.initialProgram)
        await sandbox.shutdown()
        let context = "\(result.status) \(result.failureReason ?? "") stderr: \(result.stderrTail.suffix(600))"
        #expect(result.status == .success, "\(context)")
        #expect(abs((result.score ?? .nan) - example.score) < 1e-9, "score \(String(describing: result.score)); \(context)")
        for (name, value) in example.metrics { #expect(result.metrics[name] == value, "metric \(name): \(result.metrics)") }
        for name in example.absentMetrics { #expect(result.metrics[name] == nil, "metric \(name) should be absent: \(result.metrics)") }
        for (name, value) in example.features { #expect(result.features[name] == value, "feature \(name): \(result.features)") }
        for (name, text) in example.artifacts {
            #expect(result.artifacts[name]?.description.contains(text) == true, "artifact \(name): \(result.artifacts)")
        }
        for text in example.stderr { #expect(result.stderrTail.contains(text), "stderr lacks \(text): \(result.stderrTail)") }
        #expect(result.stdoutTail.split(separator: "\n").count == 1, "the report is the only line of standard output: \(result.stdoutTail)")
    }

    @Test("a timed-out evaluation is killed, and its reason names evaluator.timeout in config.yaml")
    func timeout() async throws {
        let (directory, problem) = try Self.fixture(
            Case(
                testDescription: "", config: "evaluator:\n  timeout: 1\n",
                evaluator: "import time\n\ndef evaluate(path):\n    time.sleep(60)\n    return {'combined_score': 1.0}\n", score: 0))
        let scratch = try TemporaryDirectory(prefix: "evolve-openevolve-scratch")
        defer {
            directory.remove()
            scratch.remove()
        }
        let sandbox = Self.sandbox(scratch: scratch.url)
        let started = ContinuousClock.now
        let result = try await Evaluator(sandbox: sandbox, problem: problem).evaluate(problem.initialProgram)
        await sandbox.shutdown()
        #expect(result.status == .timeout)
        #expect(result.failureReason?.contains("`evaluator.timeout` 1 s in config.yaml") == true, "\(result.failureReason ?? "")")
        #expect(started.duration(to: .now) < .seconds(10))
    }

    @Test(
        "an evaluator importing Debian's numpy and scipy runs in the sandbox (its BLAS is reached through /etc/alternatives)",
        .enabled(if: hostPythonImports("numpy, scipy.optimize"), "Debian's python3-numpy and python3-scipy are not installed"))
    func numpyEvaluator() async throws {
        let (directory, problem) = try Self.fixture(
            Case(
                testDescription: "",
                evaluator: "import numpy as np\nfrom scipy.optimize import minimize\n\ndef evaluate(path):\n"
                    + "    best = minimize(lambda x: float(np.sum((x - 3.0) ** 2)), np.zeros(2))\n"
                    + "    return {'combined_score': float(np.round(best.x.sum(), 3))}\n",
                score: 6))
        let scratch = try TemporaryDirectory(prefix: "evolve-openevolve-scratch")
        defer {
            directory.remove()
            scratch.remove()
        }
        let sandbox = Self.sandbox(scratch: scratch.url)
        let result = try await Evaluator(sandbox: sandbox, problem: problem).evaluate(problem.initialProgram)
        await sandbox.shutdown()
        #expect(result.status == .success && result.score == 6, "\(result.failureReason ?? "") \(result.stderrTail.suffix(800))")
    }

    @Test("an evolve.yaml problem's timed-out evaluation names sandbox.timeout")
    func evolveYAMLTimeoutKey() async throws {
        let fixture = try ProblemFixture(evaluator: "import time\ntime.sleep(60)\n", sandbox: "timeout: 1")
        defer { fixture.remove() }
        let result = try await fixture.evaluator.evaluate(fixture.problem.initialProgram)
        #expect(result.status == .timeout)
        #expect(result.failureReason?.contains("(set by `sandbox.timeout` in evolve.yaml)") == true, "\(result.failureReason ?? "")")
    }

    @Test("an evaluator.py without evaluate() fails every evaluation with a reason that says so")
    func noEvaluateFunction() async throws {
        let (directory, problem) = try Self.fixture(Case(testDescription: "", evaluator: "def score(path):\n    return {}\n", score: 0))
        let scratch = try TemporaryDirectory(prefix: "evolve-openevolve-scratch")
        defer {
            directory.remove()
            scratch.remove()
        }
        let sandbox = Self.sandbox(scratch: scratch.url)
        let result = try await Evaluator(sandbox: sandbox, problem: problem).evaluate(problem.initialProgram)
        await sandbox.shutdown()
        #expect(result.status == .crashed)
        #expect(result.failureReason?.contains("defines no evaluate(program_path) function") == true, "\(result.failureReason ?? "")")
    }
}

/// True when the host's /usr/bin/python3 can run `import MODULES` (the sandboxes see the same /usr).
func hostPythonImports(_ modules: String) -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    process.arguments = ["-c", "import \(modules)"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}
