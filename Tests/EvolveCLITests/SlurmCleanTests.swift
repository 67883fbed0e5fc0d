import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A SIGKILLed `evolve run` on the Slurm backend leaves its held allocation (and the evaluation in
/// it) queued; `evolve clean` finds them by the run's name and cancels them, against a real
/// cluster started on this machine.
@Suite("evolve clean: what a killed run left on Slurm", .serialized, .enabled(if: TestEnvironment.runsSlurmTests, "needs Slurm (slurm-wlm, munge), as root"))
struct SlurmCleanTests {
    @Test("evolve is SIGKILLed mid-evaluation: its Slurm allocation is left; `evolve clean` cancels it and removes the shared folder")
    func cleanAfterKill() async throws {
        try await afterKilledRun { cluster, _, _, runDirectory, prefix, shared in
            let clean = try runEvolve(["clean", runDirectory], environment: cluster.environment, timeout: 120)
            #expect(clean.status == 0, "\(clean.stderr)")
            #expect(clean.stdout.contains("cancelled") && clean.stdout.contains(prefix), "\(clean.stdout)")
            #expect(!cluster.jobs().contains { $0.contains(prefix) }, "left: \(cluster.jobs())")
            #expect(!FileManager.default.fileExists(atPath: shared.appendingPathComponent(String(prefix.dropLast())).path))
            let again = try runEvolve(["clean", runDirectory], environment: cluster.environment, timeout: 120)
            #expect(again.status == 0 && again.stdout.hasPrefix("nothing was left"), "\(again.stdout)\(again.stderr)")
        }
    }

    @Test("`evolve run --resume` of the killed run cancels its left allocation before it places anything, then finishes")
    func resumeAfterKill() async throws {
        try await afterKilledRun { cluster, server, problem, runDirectory, prefix, _ in
            // The evaluations of the resumed run are quick.
            try problem.write(["slow_evaluate.py": "import sys, runpy\nrunpy.run_path('evaluate.py', run_name='__main__')\n"])
            let resumed = try runEvolve(
                ["run", problem.url.path, "--resume", "--run-dir", runDirectory, "--iterations", "3", "--no-dashboard", "--ollama-url", server.url],
                environment: cluster.environment, timeout: 240)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(resumed.stderr.contains("cancelled 1 Slurm job(s)") && resumed.stderr.contains(prefix), "\(resumed.stderr)")
            #expect(try await cluster.waitUntilEmpty(), "left in the queue: \(cluster.jobs())")
        }
    }

    /// Starts `evolve run` on a one-node cluster, SIGKILLs it while a child is evaluated (in a
    /// step of the allocation it holds), checks that the allocation outlived it, and hands over.
    private func afterKilledRun(
        _ body: (SlurmCluster, LoopbackLLMServer, TemporaryDirectory, String, String, URL) async throws -> Void
    ) async throws {
        try await SlurmCluster.with(nodes: 1) { cluster in
            let shared = try TemporaryDirectory(prefix: "evolve-slurm-shared")
            defer { shared.remove() }
            let problem = try slurmKnapsack(shared: shared.url.path, placement: "steps", sleep: 120, timeout: 150)
            defer { problem.remove() }
            try await LoopbackLLMServer.with(script: { .answer(KnapsackAnswers.variant($0.index)) }) { server in
                let runDirectory = problem.url.appendingPathComponent("runs/killed").path
                let prefix = SlurmSandbox.Configuration.runName(for: runDirectory) + "-"
                let running = try startEvolve(
                    ["run", problem.url.path, "--ollama-url", server.url, "--run-dir", runDirectory], environment: cluster.environment)
                let deadline = Date().addingTimeInterval(90)
                while Date() < deadline, cluster.steps().filter({ $0.contains(prefix) }).isEmpty {
                    try await Task.sleep(for: .milliseconds(100))
                }
                try #require(cluster.jobs().contains { $0.contains(prefix) }, "no evaluation ran on Slurm: \(cluster.jobs())")
                kill(running.process.processIdentifier, SIGKILL)
                running.process.waitUntilExit()
                _ = running.result(seconds: 0)
                try await Task.sleep(for: .seconds(2))
                #expect(cluster.jobs().contains { $0.contains(prefix) }, "Slurm ended the killed run's allocation itself: \(cluster.jobs())")
                try await body(cluster, server, problem, runDirectory, prefix, shared.url)
            }
        }
    }
}
