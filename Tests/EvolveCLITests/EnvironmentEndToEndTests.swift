import EvolveCore
import EvolveTesting
import Foundation
import Testing

@Suite("evolve run with an evaluator environment", .serialized)
struct EnvironmentEndToEndTests {
    @Test("needs PyPI: a requirements.txt naming a package PyPI lacks stops `evolve run` before any evaluation: exit 2, one error line with the package and the log")
    func missingPackage() throws {
        let problem = try knapsackProblem()
        let cache = try TemporaryDirectory(prefix: "evolve-cli-env-cache")
        defer {
            problem.remove()
            cache.remove()
        }
        let package = "evolve-no-such-package-\(UUID().uuidString.prefix(8).lowercased())"
        try problem.write(["requirements.txt": "\(package)\n"])
        let run = try runEvolve(
            ["run", problem.url.path, "--ollama-url", "http://127.0.0.1:9"], environment: ["XDG_CACHE_HOME": cache.url.path], timeout: 180)
        print("environment: the failed build stopped evolve run after \(String(format: "%.1f", run.seconds)) s")
        #expect(run.status == 2, "stderr: \(run.stderr)")
        let errors = run.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
        #expect(errors.count == 1, "stderr: \(run.stderr)")
        #expect(errors.first?.contains("`\(package)`") == true, "stderr: \(run.stderr)")
        #expect(errors.first?.contains(cache.url.path + "/evolve/envs/") == true && errors.first?.contains(".log") == true, "stderr: \(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: problem.url.appendingPathComponent("runs").path), "a run was started")
    }

    @Test("needs PyPI: an evaluator importing a package from requirements.txt scores in the sandbox; the second run reuses the environment")
    func evaluatorImportsFromRequirements() async throws {
        let problem = try knapsackProblem()
        // In the home folder (mode 700 for root): the sandbox must reach the environment through it.
        let cache = URL(fileURLWithPath: NSHomeDirectory()).appendingPathComponent(".cache-evolve-test-\(UUID().uuidString.prefix(8))")
        defer {
            problem.remove()
            try? FileManager.default.removeItem(at: cache)
        }
        let evaluate = problem.url.appendingPathComponent("evaluate.py")
        let original = try String(contentsOf: evaluate, encoding: .utf8)
        try ("import six  # from requirements.txt: fails on the sandbox's own python3\n" + original).write(to: evaluate, atomically: true, encoding: .utf8)
        try problem.write(["requirements.txt": "six==1.16.0\n"])
        try await LoopbackLLMServer.with(script: { request in
            request.index == 0 ? .answer(KnapsackAnswers.dynamicProgramming) : .answer("I have no further ideas.")
        }) { server in
            let environment = ["XDG_CACHE_HOME": cache.path]
            let first = try runEvolve(["run", problem.url.path, "--ollama-url", server.url, "--iterations", "2"], environment: environment)
            #expect(first.status == 0, "stderr: \(first.stderr)")
            #expect(first.stdout.contains("best score 275.0"), "stdout: \(first.stdout)\nstderr: \(first.stderr)")
            #expect(first.stderr.contains("evaluator environment: building from requirements.txt"), "stderr: \(first.stderr)")
            #expect(first.stderr.contains("evaluator environment: pip: Successfully installed six-1.16.0"), "stderr: \(first.stderr)")

            let second = try runEvolve(["run", problem.url.path, "--ollama-url", server.url, "--iterations", "1"], environment: environment)
            #expect(second.status == 0, "stderr: \(second.stderr)")
            #expect(second.stderr.contains("evaluator environment: using \(cache.path)/evolve/envs/"), "stderr: \(second.stderr)")
            #expect(!second.stderr.contains("building"), "stderr: \(second.stderr)")
            print("environment: first run (with the build) \(String(format: "%.1f", first.seconds)) s, second \(String(format: "%.1f", second.seconds)) s")
        }
    }
}
