import EvolveCore
import EvolveDatabase
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// An evaluation that finished on the cluster while evolve was down is collected by the resumed
/// run instead of being done again, against a real cluster started on this machine.
@Suite("evolve run --resume collects what finished on Slurm", .serialized, .enabled(if: TestEnvironment.runsSlurmTests, "needs Slurm (slurm-wlm, munge), as root"))
struct SlurmCollectTests {
    @Test("evolve is SIGKILLed while a child's job runs; the job finishes; the resumed run stores its score without evaluating it again")
    func collectsWhatFinished() async throws {
        try await SlurmCluster.with(nodes: 1) { cluster in
            let shared = try TemporaryDirectory(prefix: "evolve-slurm-shared")
            defer { shared.remove() }
            let problem = try slurmKnapsack(shared: shared.url.path, placement: "jobs", sleep: 0, timeout: 60, iterations: 3)
            defer { problem.remove() }
            // The evaluator counts its starts (a line per start: the candidate's SHA-256) and, while
            // the file `slow` exists, takes 8 s over a child.
            let starts = shared.url.appendingPathComponent("starts")
            let slow = shared.url.appendingPathComponent("slow")
            try Data().write(to: slow)
            try problem.write([
                "slow_evaluate.py": """
                    import hashlib, os, sys, time, runpy
                    text = open(sys.argv[1]).read()
                    with open(\(String(reflecting: starts.path)), "a") as file:
                        file.write(hashlib.sha256(text.encode()).hexdigest() + "\\n")
                    if "variant" in text and os.path.exists(\(String(reflecting: slow.path))):
                        time.sleep(8)
                    sys.argv = ["evaluate.py", sys.argv[1]]
                    runpy.run_path("evaluate.py", run_name="__main__")
                    """
            ])
            func started() -> [String] {
                ((try? String(contentsOf: starts, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            }
            try await LoopbackLLMServer.with(script: { .answer(KnapsackAnswers.variant($0.index)) }) { server in
                let runDirectory = problem.url.appendingPathComponent("runs/killed").path
                let prefix = SlurmSandbox.Configuration.runName(for: runDirectory) + "-"
                let options = ["--ollama-url", server.url, "--run-dir", runDirectory, "--no-dashboard", "--eval-concurrency", "1", "--model-concurrency", "1"]
                let running = try startEvolve(["run", problem.url.path] + options, environment: cluster.environment)
                // The starting program is scored at once; then a child's evaluation starts.
                let deadline = Date().addingTimeInterval(120)
                while Date() < deadline, started().count < 2 || !cluster.jobs().contains(where: { $0.contains(prefix) }) {
                    try await Task.sleep(for: .milliseconds(100))
                }
                try #require(started().count == 2, "no child's evaluation started: \(started()) \(cluster.jobs())")
                kill(running.process.processIdentifier, SIGKILL)
                running.process.waitUntilExit()
                _ = running.result(seconds: 0)
                let child = started()[1]

                // The evaluation outlives evolve and finishes on its node.
                #expect(try await cluster.waitUntilEmpty(within: 60), "the child's job did not finish: \(cluster.jobs())")
                let folder = shared.url.appendingPathComponent(String(prefix.dropLast()))
                #expect(text(ofOutcomeIn: folder).contains("\"exit\": 0"), "no outcome was written in \(folder.path)")
                try FileManager.default.removeItem(at: slow)

                let resumed = try runEvolve(["run", problem.url.path, "--resume"] + options, environment: cluster.environment, timeout: 240)
                #expect(resumed.status == 0, "\(resumed.stderr)")
                #expect(resumed.stderr.contains("collected the outcome of 1 evaluation(s)"), "\(resumed.stderr)")
                let counts = Dictionary(started().map { ($0, 1) }, uniquingKeysWith: +)
                #expect(counts[child] == 1, "the killed child's evaluation started \(counts[child] ?? 0) times")
                #expect(counts.values.allSatisfy { $0 == 1 }, "a candidate was evaluated twice: \(counts)")

                let store = try SQLiteProgramStore(path: runDirectory + "/evolve.sqlite", readOnly: true)
                let stored = try await store.allPrograms().first { SHA256Digest.hex(Data($0.code.utf8)) == child }
                #expect(stored?.score != nil, "the killed child is not stored with a score: \(String(describing: stored?.result))")
                // Its stored evaluation is the slow one that ran while evolve was down.
                #expect((stored?.result.duration ?? 0) >= 8, "duration \(stored?.result.duration ?? 0)")
                #expect(try await cluster.waitUntilEmpty(), "left in the queue: \(cluster.jobs())")
                #expect(!FileManager.default.fileExists(atPath: folder.path), "the run's shared folder is left")
            }
        }
    }

    /// The text of every outcome.json under the run's folder on the shared path.
    private func text(ofOutcomeIn folder: URL) -> String {
        let jobs = folder.appendingPathComponent("jobs")
        return ((try? FileManager.default.contentsOfDirectory(atPath: jobs.path)) ?? []).compactMap {
            try? String(contentsOf: jobs.appendingPathComponent("\($0)/outcome.json"), encoding: .utf8)
        }.joined(separator: "\n")
    }
}
