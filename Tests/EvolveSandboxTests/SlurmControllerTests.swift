import EvolveCore
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

/// `slurmctld` restarting under a run: evaluations wait for it, within `controller_wait`.
@Suite("Slurm sandbox: a slurmctld that restarts", .serialized, .enabled(if: TestEnvironment.runsSlurmTests, "needs Slurm (slurm-wlm, munge), as root"))
struct SlurmControllerTests {
    @Test("an evaluation placed while slurmctld is down waits for it, and scores once it is back", arguments: SlurmSandboxTests.placements)
    func waitsForRestart(placement: SandboxConfiguration.Slurm.Placement) async throws {
        try await SlurmCluster.with(nodes: 1) { cluster in
            let fixture = try SlurmFixture(cluster: cluster, files: ["probe.py": nodeProbe])
            defer { fixture.remove() }
            let sandbox = fixture.sandbox(placement: placement)
            try await sandbox.checkAvailability()
            await cluster.stopController()
            let task = Task { try await sandbox.run(fixture.job(.arguments(["python3", "probe.py", "{program}"]))) }
            // Longer than srun's own retries (about 20 s here), so that the sandbox must wait.
            try await Task.sleep(for: .seconds(45))
            try cluster.startController()
            let outcome = try await task.value
            #expect(outcome.termination == .exited(0), "\(outcome.stderr)")
            #expect(outcome.stdout.contains(#""score": 1"#), "\(outcome.stdout)")
            await sandbox.shutdown()
            #expect(try await cluster.waitUntilEmpty(), "left in the queue: \(cluster.jobs())")
        }
    }

    @Test("a slurmctld that stays down past controller_wait makes the evaluation a sandbox error that names the key")
    func givesUp() async throws {
        try await SlurmCluster.with(nodes: 1) { cluster in
            let fixture = try SlurmFixture(cluster: cluster, files: ["probe.py": nodeProbe])
            defer { fixture.remove() }
            let sandbox = fixture.sandbox(placement: .jobs, controllerWait: 3)
            try await sandbox.checkAvailability()
            await cluster.stopController()
            let start = ContinuousClock.now
            let error = await #expect(throws: SandboxError.self) {
                try await sandbox.run(fixture.job(.arguments(["python3", "probe.py", "{program}"])))
            }
            let waited = start.duration(to: .now)
            #expect(error?.message.contains("sandbox.slurm.controller_wait") == true, "\(String(describing: error))")
            #expect(waited < .seconds(90), "gave up after \(waited)")
            try cluster.startController()
            await sandbox.shutdown()
        }
    }
}
