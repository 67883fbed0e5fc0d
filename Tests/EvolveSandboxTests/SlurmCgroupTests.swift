import EvolveCore
import EvolveTesting
import Foundation
import Testing

@testable import EvolveSandbox

#if canImport(Glibc)
import Glibc
#endif

/// The Slurm backend on a cluster that confines jobs with cgroups (`proctrack/cgroup`,
/// `task/cgroup`), as clusters commonly do, against a real cluster started on this machine. One
/// suite, run serially: the nodes' cgroups (`slurm_nX`) are named alike for every test cluster.
@Suite("Slurm sandbox on cgroup-confined nodes", .serialized, .enabled(if: TestEnvironment.runsSlurmTests, "needs Slurm (slurm-wlm, munge), as root"))
struct SlurmCgroupTests {
    /// An evaluator (`python3 detach.py MARKER`) that starts processes detached from it (their
    /// own session; one whose parent leaves it at once) and waits: what a launcher killed on its
    /// node could leave behind.
    static let detaching = """
        import subprocess, sys, time
        marker = sys.argv[1]
        subprocess.Popen(["setsid", "bash", "-c", f"(exec -a {marker}-grandchild sleep 300) & exec -a {marker}-child sleep 300"])
        time.sleep(300)
        """

    @Test(
        "the launcher SIGKILLed on its node: with proctrack/cgroup no evaluator process survives the step (with linuxproc, the control, a detached one does)",
        arguments: [true, false])
    func killedLauncher(cgroups: Bool) async throws {
        try await SlurmCluster.with(nodes: 1, options: .init(cgroups: cgroups)) { cluster in
            let marker = "evolve-detached-\(UUID().uuidString.prefix(8).lowercased())"
            let fixture = try SlurmFixture(cluster: cluster, files: ["detach.py": Self.detaching])
            defer { fixture.remove() }
            let sandbox = fixture.sandbox(placement: .jobs)
            try await sandbox.checkAvailability()
            #expect(await sandbox.client.settings()?.tracksWithCgroups == cgroups)
            let task = Task { try await sandbox.run(fixture.job(.arguments(["python3", "detach.py", marker]), timeout: 120)) }
            func running() -> Bool {
                let commands = ProcessTable.commands(containing: marker)
                return commands.contains { $0.contains("\(marker)-child") } && commands.contains { $0.contains("\(marker)-grandchild") }
            }
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline, !running() { try await Task.sleep(for: .milliseconds(100)) }
            try #require(running(), "the evaluator did not start: \(cluster.jobs())")
            let launchers = Self.launchers(under: fixture.shared.url.path)
            try #require(launchers.count == 1, "launchers: \(launchers)")
            kill(launchers[0], SIGKILL)
            let result = await task.result
            if case .success(let outcome) = result { #expect(outcome.termination != .exited(0), "a killed launcher scored") }

            let gone = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < gone, ProcessTable.contains(marker) { try await Task.sleep(for: .milliseconds(100)) }
            let left = ProcessTable.commands(containing: marker)
            if cgroups {
                #expect(left.isEmpty, "evaluator processes outlived their step: \(left)")
            } else {
                #expect(left.count >= 2, "linuxproc was expected to miss the detached processes: \(left)")
                for pid in Self.pids(containing: marker) { kill(pid, SIGKILL) }
            }
            await sandbox.shutdown()
            #expect(try await cluster.waitUntilEmpty(), "left in the queue: \(cluster.jobs())")
        }
    }

    /// The launchers (python3, not the srun that started them) of evaluations under `shared`.
    static func launchers(under shared: String) -> [pid_t] {
        pids(containing: "\(SlurmLauncher.fileName) \(shared)").filter { commandLine(of: $0).split(separator: " ").first?.hasSuffix("python3") == true }
    }

    /// Processes whose command line contains `text` (the test runner aside).
    static func pids(containing text: String) -> [pid_t] {
        ProcessTable.commands(containing: text).compactMap { pid_t($0.prefix { $0 != ":" }) }
    }

    static func commandLine(of pid: pid_t) -> String {
        let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
        return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
    }
}
