import ArgumentParser
import EvolveCore
import EvolveTesting
import Foundation
import Synchronization

extension Bench {
    /// The async gain: a model that answers after a fixed delay and an evaluator that sleeps as
    /// long, with one model slot and one evaluation slot against four of each.
    func asyncGain() async throws {
        let (knapsack, problemDirectory) = try knapsack()
        defer { problemDirectory.remove() }
        var problem = knapsack
        let delay = 0.5
        problem.configuration.evaluator = EvaluatorConfiguration(command: .shell("sleep \(delay); echo '{\"score\": 1}' # {program}"))
        let server = try await LoopbackLLMServer.start { .delayed(seconds: delay, .answer(KnapsackAnswers.variant($0.index))) }
        defer { Task { await server.shutdown() } }
        print("## The async gain (model answers in \(delay) s, the evaluator sleeps \(delay) s, process backend)\n")
        print("| slots | evaluations/s | ms per evaluation |")
        print("|---|---:|---:|")
        var rates: [Double] = []
        for slots in [1, 4] {
            let run = try await engine(problem: problem, server: server, evaluations: 12 * slots, inFlight: slots, modelSlots: slots)
            row("\(slots) model, \(slots) evaluation", run.rate)
            rates.append(run.rate)
            print("<!-- \(run.occupancy) -->")
        }
        print("\n- four of each against one of each: \(String(format: "%.1f", rates[1] / rates[0]))×\n")
    }

    /// OpenEvolve 0.4.0 (its CLI from the environment `evolve experiment` caches for peer arms,
    /// its defaults as shipped) and Evolve on the knapsack problem with an instant model, one after
    /// the other: iterations per second from its first model call to its last stored program.
    func openEvolveSideBySide() async throws {
        let python = FileManager.default.homeDirectoryForCurrentUser
            .appendingPathComponent(".cache/evolve/peers/openevolve-0.4.0/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            print("OpenEvolve: no environment at \(python) (run the peer arms once: experiments/peers-smoke.yaml); skipped\n")
            return
        }
        let (problem, work) = try knapsack()
        defer { work.remove() }
        let stamps = Mutex<[Date]>([])
        let server = try await LoopbackLLMServer.start { request in
            stamps.withLock { $0.append(Date()) }
            return .answer(KnapsackAnswers.variant(request.index))
        }
        defer { Task { await server.shutdown() } }
        let iterations = min(evaluations, 200)
        try work.write([
            "oe_evaluator.py": Self.openEvolveEvaluator,
            "oe_config.yaml": """
                max_iterations: \(iterations)
                checkpoint_interval: \(iterations)
                llm:
                  api_base: "\(server.url)/v1"
                  api_key: "none"
                  primary_model: "\(LLMConfiguration.defaultModel)"
                  primary_model_weight: 1.0
                """,
        ])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            "-c", "import sys; from openevolve.cli import main; sys.argv[0] = 'openevolve-run'; sys.exit(main())",
            work.url.appendingPathComponent(problem.configuration.program).path, work.url.appendingPathComponent("oe_evaluator.py").path,
            "--config", work.url.appendingPathComponent("oe_config.yaml").path, "--output", work.url.appendingPathComponent("out").path,
            "--iterations", String(iterations),
        ]
        process.currentDirectoryURL = work.url
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let calls = stamps.withLock { $0 }
        guard process.terminationStatus == 0, calls.count > 1, let first = calls.first, let last = calls.last else {
            throw ValidationError("OpenEvolve ended with status \(process.terminationStatus) after \(calls.count) model calls")
        }
        let openEvolve = Double(calls.count - 1) / last.timeIntervalSince(first)
        let evolve = try await engine(problem: problem, server: server, evaluations: iterations)
        print("## Evolve and OpenEvolve 0.4.0 on knapsack, instant model (\(iterations) iterations each)\n")
        print("| what | iterations/s | ms per iteration |")
        print("|---|---:|---:|")
        row("OpenEvolve 0.4.0, defaults as shipped (no isolation), first call to last call", openEvolve)
        row("Evolve, process backend, 2 in flight", evolve.rate)
        print("\n- Evolve (process backend) against OpenEvolve: \(String(format: "%.2f", evolve.rate / openEvolve))×\n")
    }

    /// An OpenEvolve evaluator that runs knapsack's own evaluate.py on the program and reports its score.
    static let openEvolveEvaluator = """
        import json, os, subprocess, sys
        HERE = os.path.dirname(os.path.abspath(__file__))
        def evaluate(program_path):
            done = subprocess.run([sys.executable, os.path.join(HERE, "evaluate.py"), program_path],
                                  capture_output=True, text=True, timeout=60, cwd=HERE)
            lines = done.stdout.strip().splitlines()
            report = json.loads(lines[-1]) if lines else {}
            score = report.get("score")
            return {"combined_score": float(score) if score is not None else 0.0}

        """
}
