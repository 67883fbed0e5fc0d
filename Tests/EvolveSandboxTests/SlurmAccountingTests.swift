import EvolveTesting
import Foundation
import Testing

@testable import EvolveSandbox

/// How a job ended, once slurmctld no longer remembers it (squeue lists it no more): from sacct
/// when the cluster has accounting (slurmdbd), from its job completion log (`sacct -c`) when it
/// has only that, and not at all otherwise; against real clusters started on this machine.
@Suite("Slurm: how a forgotten job ended", .serialized, .enabled(if: TestEnvironment.runsSlurmTests, "needs Slurm (slurm-wlm, munge), as root"))
struct SlurmAccountingTests {
    enum Record: String, CaseIterable, Sendable {
        case slurmdbd, completionLog, none
    }

    @Test(
        "a job that exited 3 is FAILED by sacct after squeue forgot it; without accounting or a completion log nothing is guessed",
        arguments: Record.allCases)
    func forgottenJob(record: Record) async throws {
        guard record != .slurmdbd || TestEnvironment.isCI || SlurmCluster.hasAccounting else {
            print("note: slurmdbd or mariadb-server is not installed: the accounting case is skipped here; CI installs them")
            return
        }
        let options = SlurmCluster.Options(accounting: record == .slurmdbd, completionLog: record == .completionLog, minJobAge: 2)
        try await SlurmCluster.with(nodes: 1, options: options) { cluster in
            let scratch = try TemporaryDirectory(prefix: "evolve-slurm-client")
            defer { scratch.remove() }
            let client = SlurmClient(environment: cluster.environment, scratch: scratch.url)
            let settings = try #require(await client.settings())
            #expect(settings.hasAccounting == (record == .slurmdbd), "\(settings)")
            #expect(settings.readsCompletionLog == (record == .completionLog), "\(settings)")

            let name = "evolve-0badc0de-exit3"
            let ran = try cluster.run("/usr/bin/srun", ["--job-name=\(name)", "--quiet", "bash", "-c", "exit 3"])
            #expect(ran.status == 3, "\(ran.output)")
            let listed = try #require(try await client.jobs(named: name, finished: true).first, "squeue -t all does not list the job")
            // squeue shows it COMPLETING for a moment, then FAILED.
            let ended = ContinuousClock.now
            var shown = await client.state(ofJob: name, id: listed.id)
            while ContinuousClock.now < ended + .seconds(20), shown == "COMPLETING" {
                try await Task.sleep(for: .milliseconds(200))
                shown = await client.state(ofJob: name, id: listed.id)
            }
            #expect(shown == "FAILED")

            // slurmctld forgets it MinJobAge (2 s) after its end, in its next purge pass.
            let deadline = ContinuousClock.now + .seconds(180)
            while ContinuousClock.now < deadline, try await !client.jobs(named: name, finished: true).isEmpty {
                try await Task.sleep(for: .milliseconds(500))
            }
            try #require(try await client.jobs(named: name, finished: true).isEmpty, "slurmctld still remembers the job")
            let forgotten = ended.duration(to: .now)
            let asked = ContinuousClock.now
            let state = await client.state(ofJob: name, id: listed.id)
            print("\(record): squeue forgot the job \(forgotten) after its end; its state then took \(asked.duration(to: .now)) to learn: \(state ?? "unknown")")
            #expect(state == (record == .none ? nil : "FAILED"), "state \(state ?? "nil")")
            // A job of another name under that id is not taken for it.
            #expect(await client.state(ofJob: "evolve-0badc0de-other", id: listed.id) == nil)
        }
    }
}
