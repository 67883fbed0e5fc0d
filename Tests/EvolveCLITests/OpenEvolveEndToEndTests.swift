import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

/// `evolve run` and `evolve init --from-openevolve` on an OpenEvolve-format directory, unedited,
/// through the default gVisor sandbox.
@Suite("evolve run on an OpenEvolve directory", .serialized)
struct OpenEvolveEndToEndTests {
    /// Models on a hosted API the test cannot reach: the command-line flags must replace them.
    static let config = """
        max_iterations: 50
        checkpoint_interval: 5
        diff_based_evolution: true
        llm:
          primary_model: "gemini-2.5-flash-lite"
          primary_model_weight: 0.8
          secondary_model: "gemini-2.5-flash"
          api_base: "https://generativelanguage.googleapis.com/v1beta/openai/"
          api_key: ${GEMINI_API_KEY}
        prompt:
          system_message: "You tune VALUE so that the evaluator scores it higher."
        database:
          population_size: 50
        evaluator:
          timeout: 30
          cascade_thresholds: [0.2]

        """

    static let evaluator = """
        from openevolve.evaluation_result import EvaluationResult

        def value(path):
            ns = {}
            exec(open(path).read(), ns)
            return ns['VALUE']

        def evaluate(path):
            return {'combined_score': -1.0}

        def evaluate_stage1(path):
            print('stage 1 looking at', path)
            return {'combined_score': value(path) / 4}

        def evaluate_stage2(path):
            return EvaluationResult({'combined_score': value(path) / 4, 'stage2': 1.0}, {'note': 'stage 2 ran'})

        """

    static func directory() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "evolve-openevolve-cli")
        try directory.write([
            "config.yaml": config, "evaluator.py": evaluator,
            "initial_program.py": "# EVOLVE-BLOCK-START\nVALUE = 0.5\n# EVOLVE-BLOCK-END\n",
        ])
        return directory
    }

    @Test("unedited: the flags replace the file's models, the start scores as OpenEvolve scores it, a child improves on it")
    func run() async throws {
        let problem = try Self.directory()
        defer { problem.remove() }
        try await LoopbackLLMServer.with(models: ["local-coder"], script: { request in
            request.index == 0 ? .answer("<<<<<<< SEARCH\nVALUE = 0.5\n=======\nVALUE = 3\n>>>>>>> REPLACE") : .answer("No more ideas.")
        }) { server in
            let run = try runEvolve([
                "run", problem.url.path, "--provider", "openai", "--openai-url", server.url + "/v1", "--model", "local-coder",
                "--iterations", "2", "--model-concurrency", "1",
            ])
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(run.stderr.contains("warning: config.yaml: Evolve does not act on these keys: checkpoint_interval, database.population_size"))
            #expect(run.stdout.contains("best score 0.75"), "\(run.stdout)")
            #expect(server.requests.first?.model == "local-coder")
            #expect(server.requests.first?.messages.first?.content.contains("You tune VALUE") == true)

            let runs = problem.url.appendingPathComponent("runs")
            let runName = try #require(try FileManager.default.contentsOfDirectory(atPath: runs.path).first)
            let programs = try await SQLiteProgramStore(path: runs.appendingPathComponent(runName).appendingPathComponent("evolve.sqlite").path, readOnly: true)
                .allPrograms()
            // The start: 0.5 / 4 = 0.125 is below stage 1's threshold 0.2, so stage 2 never ran.
            let start = try #require(programs.first { $0.origin == .initial })
            #expect(start.score == 0.125 && start.result.metrics["stage2"] == nil)
            #expect(start.result.stderrTail.contains("stage 1 looking at"))
            let child = try #require(programs.first { $0.origin == .mutation && $0.score != nil })
            #expect(child.score == 0.75 && child.result.metrics["stage2"] == .number(1) && child.result.artifacts["note"] == .string("stage 2 ran"))
        }
    }

    @Test("needs PyPI: numpy and scipy from the directory's own requirements.txt (not Debian's) score the start in the sandbox")
    func requirementsFromPyPI() async throws {
        let problem = try TemporaryDirectory(prefix: "evolve-openevolve-numpy")
        // Kept between test runs (content-addressed), in the home folder the sandbox must reach through.
        let cache = URL(fileURLWithPath: NSHomeDirectory()).appendingPathComponent(".cache/evolve-tests")
        defer { problem.remove() }
        try problem.write([
            "requirements.txt": "numpy==2.2.6\nscipy==1.15.3\n",
            "initial_program.py": "# EVOLVE-BLOCK-START\nTARGET = 3.0\n# EVOLVE-BLOCK-END\n",
            "evaluator.py": """
                import numpy as np
                from scipy.optimize import minimize

                def evaluate(path):
                    ns = {}
                    exec(open(path).read(), ns)
                    best = minimize(lambda x: float(np.sum((x - ns['TARGET']) ** 2)), np.zeros(2))
                    return {'combined_score': float(np.round(best.x.sum(), 3)), 'numpy_version': np.__version__,
                            'numpy_path': np.__file__}

                """,
        ])
        try await LoopbackLLMServer.with(script: { _ in .answer("No ideas.") }) { server in
            let run = try runEvolve(
                ["run", problem.url.path, "--ollama-url", server.url, "--iterations", "1"],
                environment: ["XDG_CACHE_HOME": cache.path], timeout: 600)
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(run.stdout.contains("best score 6.0"), "stdout: \(run.stdout)\nstderr: \(run.stderr)")
            let runs = problem.url.appendingPathComponent("runs")
            let runName = try #require(try FileManager.default.contentsOfDirectory(atPath: runs.path).first)
            let programs = try await SQLiteProgramStore(path: runs.appendingPathComponent(runName).appendingPathComponent("evolve.sqlite").path, readOnly: true)
                .allPrograms()
            let start = try #require(programs.first { $0.origin == .initial })
            #expect(start.score == 6)
            #expect(start.result.metrics["numpy_version"] == .string("2.2.6"), "\(start.result.metrics)")
            let path = start.result.metrics["numpy_path"].flatMap { if case .string(let text) = $0 { text } else { nil } } ?? ""
            #expect(path.hasPrefix(cache.path + "/evolve/envs/"), "numpy came from \(path), not the problem's environment")
        }
    }

    @Test("init --from-openevolve writes an evolve.yaml that loads to the same problem")
    func convert() throws {
        let problem = try Self.directory()
        defer { problem.remove() }
        let original = try Problem.load(from: problem.url)
        let converted = try runEvolve(["init", "--from-openevolve", problem.url.path], timeout: 30)
        #expect(converted.status == 0, "stderr: \(converted.stderr)")
        let text = try String(contentsOf: problem.url.appendingPathComponent("evolve.yaml"), encoding: .utf8)
        #expect(text.contains("# Not carried over (Evolve does not act on them): checkpoint_interval, database.population_size"))
        let reloaded = try Problem.load(from: problem.url)
        #expect(reloaded.openEvolve == nil)
        #expect(reloaded.configuration == original.configuration)
        let again = try runEvolve(["init", "--from-openevolve", problem.url.path], timeout: 30)
        #expect(again.status != 0 && again.stderr.contains("--force"))
    }
}
