import EvolveController
import EvolveTesting
import Foundation
import Testing

/// One process at a time per run: a run another process holds is refused by `evolve run` (exit 6)
/// and left to that process by `evolve experiment`, which runs the others.
@Suite("A run is executed by one process at a time", .serialized)
struct RunLockTests {
    @Test("evolve run on a run folder another process holds exits 6, naming that process, and writes no store")
    func runRefusesAHeldRun() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-run-lock")
        defer { directory.remove() }
        try await LoopbackLLMServer.with(script: ExperimentEndToEndTests.script()) { server in
            let held = RunDirectory(url: directory.url.appendingPathComponent("run"))
            try held.create()
            let lock = try RunLock.acquire(held)
            let run = try runEvolve([
                "run", PackagePaths.knapsackExample.path, "--run-dir", held.url.path, "--ollama-url", server.url, "--sandbox", "process",
                "--iterations", "1",
            ])
            #expect(run.status == 6, "stderr: \(run.stderr)")
            #expect(run.stderr.contains("is in use by Evolve process \(getpid())"), "\(run.stderr)")
            #expect(!held.exists, "no store was opened")
            withExtendedLifetime(lock) {}
        }
    }

    @Test("evolve experiment leaves a run another process holds to it, finishes the rest, and runs it once it is free")
    func experimentLeavesAHeldRun() async throws {
        let out = try TemporaryDirectory(prefix: "evolve-experiment-lock")
        defer { out.remove() }
        try await LoopbackLLMServer.with(script: ExperimentEndToEndTests.script()) { server in
            let held = RunDirectory(url: ExperimentEndToEndTests.runDirectory(out.url, "knapsack", "map_elites", 1))
            try held.create()
            var lock: RunLock? = try RunLock.acquire(held)
            let arguments = ExperimentEndToEndTests.arguments(out: out.url, server: server)
            let first = try runEvolve(arguments, timeout: 600)
            #expect(first.status == 0, "stderr: \(first.stderr)")
            #expect(first.stderr.contains("knapsack/map_elites/seed-1: running in another process, left to it"), "\(first.stderr)")
            #expect(first.stderr.contains("experiment: 11/12 done, 0 running, 0 left, 1 elsewhere"), "\(first.stderr)")
            #expect(first.stdout.contains("experiment: 1 runs were running in another process"), "\(first.stdout)")
            #expect(!held.exists)
            withExtendedLifetime(lock) {}
            lock = nil

            let second = try runEvolve(arguments, timeout: 600)
            #expect(second.status == 0, "stderr: \(second.stderr)")
            #expect(second.stdout.contains("experiment: 12 runs finished (11 earlier), 0 failed"), "\(second.stdout)")
            #expect(held.exists)
        }
    }
}
