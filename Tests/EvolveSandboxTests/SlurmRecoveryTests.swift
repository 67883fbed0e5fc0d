import EvolveCore
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

/// What a killed evolve left on the cluster, found and cleared by the next process of the same run
/// (`evolve run --resume`, `evolve clean`), against a real cluster started on this machine.
@Suite("Slurm sandbox: a resumed run clears what a killed one left", .serialized, .enabled(if: TestEnvironment.runsSlurmTests, "needs Slurm (slurm-wlm, munge), as root"))
struct SlurmRecoveryTests {
    @Test("every process of one run names its jobs alike; different runs differently")
    func runNames() {
        let name = SlurmSandbox.Configuration.runName(for: "/problems/knapsack/runs/20261207-101500")
        #expect(name == SlurmSandbox.Configuration.runName(for: "/problems/knapsack/runs/20261207-101500"))
        #expect(name != SlurmSandbox.Configuration.runName(for: "/problems/knapsack/runs/20261207-101501"))
        #expect(name.hasPrefix("evolve-") && name.count == "evolve-".count + 8)
    }

    @Test("the run's leftover job is cancelled and its shared folder removed; another run's job is untouched; evaluations go on")
    func clearsLeftovers() async throws {
        try await SlurmCluster.with(nodes: 1) { cluster in
            let fixture = try SlurmFixture(cluster: cluster, files: ["probe.py": nodeProbe])
            defer { fixture.remove() }
            let run = fixture.problem.url.appendingPathComponent("runs/killed").path
            let prefix = SlurmSandbox.Configuration.runName(for: run) + "-"
            // What a SIGKILLed process of this run leaves: a job still running under the run's
            // prefix and the run's folder on the shared path; beside it, another run's job.
            try cluster.run("/usr/bin/sbatch", ["--job-name=\(prefix)1f2e3d", "--wrap=sleep 300", "--output=/dev/null"])
            try cluster.run("/usr/bin/sbatch", ["--job-name=evolve-0000beef-9a8b", "--wrap=sleep 300", "--output=/dev/null"])
            let stale = fixture.shared.url.appendingPathComponent(prefix.dropLast() + "/jobs/\(prefix)1f2e3d")
            try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: true)
            try "{}".write(to: stale.appendingPathComponent("job.json"), atomically: true, encoding: .utf8)
            try #require(cluster.jobs().count == 2, "\(cluster.jobs())")

            let sandbox = fixture.sandbox(placement: .jobs, run: run)
            try await sandbox.checkAvailability()
            let done = await sandbox.recover(problemDirectory: fixture.problem.url)
            #expect(done.contains { $0.hasPrefix("cancelled 1 Slurm job(s)") && $0.contains(prefix + "1f2e3d") }, "\(done)")
            #expect(done.contains { $0.hasPrefix("removed ") }, "\(done)")
            #expect(!cluster.jobs().contains { $0.contains(prefix) }, "left: \(cluster.jobs())")
            #expect(cluster.jobs().contains { $0.contains("evolve-0000beef-9a8b") }, "another run's job was cancelled: \(cluster.jobs())")
            #expect(!FileManager.default.fileExists(atPath: stale.path))

            let outcome = try await sandbox.run(fixture.job(.arguments(["python3", "probe.py", "{program}"])))
            #expect(outcome.termination == .exited(0), "\(outcome.stderr)")
            #expect(outcome.stdout.contains(#""score": 1"#), "\(outcome.stdout)")
            #expect(await sandbox.recover(problemDirectory: fixture.problem.url).contains { $0.hasPrefix("cancelled") } == false)
            await sandbox.shutdown()
            try cluster.run("/usr/bin/scancel", ["--name=evolve-0000beef-9a8b"])
            #expect(try await cluster.waitUntilEmpty(), "left in the queue: \(cluster.jobs())")
        }
    }
}
