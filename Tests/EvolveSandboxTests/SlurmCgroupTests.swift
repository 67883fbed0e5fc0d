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
                // argv[0] as `exec -a` set it, not the bash command line that names both before it forks.
                return commands.contains { $0.contains(": \(marker)-child") } && commands.contains { $0.contains(": \(marker)-grandchild") }
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

    @Test(
        "gVisor on the node: the sandbox is in cgroups under the job's; a normal end leaves no cgroup; a SIGKILLed launcher leaves no sandbox process, and the next launcher sweeps its files",
        .enabled(if: TestEnvironment.runsGVisorTests, "needs runsc"))
    func gvisorNestedInTheJob() async throws {
        try await SlurmCluster.with(nodes: 1, options: .init(cgroups: true)) { cluster in
            let fixture = try SlurmFixture(cluster: cluster, files: ["sleep.py": "import time\nprint('started', flush=True)\ntime.sleep(float(open('/problem/seconds').read()))\nprint('{\"score\": 1}')\n", "seconds": "3"])
            defer { fixture.remove() }
            let sandbox = fixture.sandbox(placement: .jobs, isolation: .gvisor, memoryMB: 900)
            let bundle = fixture.shared.url.path

            // A normal evaluation: while it runs, its sandbox is in the job's cgroups.
            let task = Task { try await sandbox.run(fixture.job(.shell("python3 sleep.py"), timeout: 60)) }
            let sandboxes = try await Self.sandboxProcesses(bundle: bundle)
            let job = try #require(cluster.jobs().first { $0.contains(sandbox.configuration.runName) }?.split(separator: "|").first)
            for pid in sandboxes {
                let cgroups = Self.cgroups(of: pid)
                for hierarchy in ["freezer", "memory"] {
                    #expect(
                        cgroups[hierarchy]?.contains("/slurm_n1/uid_0/job_\(job)/") == true,
                        "\(hierarchy) cgroup of runsc's process \(pid): \(cgroups)")
                }
            }
            // Slurm's memory accounting (and limit) of the job includes the sandbox: the job's memory
            // cgroup is hierarchical and its usage contains the sandbox's.
            let memory = try #require(Self.cgroups(of: sandboxes[0])["memory"])
            let jobMemory = "/sys/fs/cgroup/memory" + memory.components(separatedBy: "/step_").first!
            let sandboxUsage = Self.number(in: "/sys/fs/cgroup/memory\(memory)/memory.usage_in_bytes")
            let jobUsage = Self.number(in: "\(jobMemory)/memory.usage_in_bytes")
            #expect(Self.number(in: "\(jobMemory)/memory.use_hierarchy") == 1)
            #expect(sandboxUsage > 0 && jobUsage >= sandboxUsage, "job \(jobUsage) B, sandbox \(sandboxUsage) B")
            let stepMemory = "/sys/fs/cgroup/memory" + memory.components(separatedBy: "/task_").first!
            let stepLimit = Self.number(in: "\(stepMemory)/memory.limit_in_bytes")
            #expect(stepLimit == 900 << 20, "--mem=900 did not limit the step: \(stepLimit)")
            print("the sandbox uses \(sandboxUsage >> 20) MiB of its job's \(jobUsage >> 20) MiB, under the step's limit of \(stepLimit >> 20) MiB")
            let outcome = try await task.value
            #expect(outcome.termination == .exited(0), "\(outcome.stderr)")
            #expect(outcome.stdout.contains(#""score": 1"#), "\(outcome.stdout)")
            #expect(try await cluster.waitUntilEmpty(), "left in the queue: \(cluster.jobs())")
            // Slurm removed the job's cgroups: nothing was left in them.
            let jobCgroups = Self.cgroupFolders(named: "job_\(job)")
            #expect(jobCgroups.isEmpty, "cgroups left: \(jobCgroups)")

            // The launcher SIGKILLed mid-evaluation: the step's end takes the sandbox with it.
            try "300".write(to: fixture.problem.url.appendingPathComponent("seconds"), atomically: true, encoding: .utf8)
            let killed = Task { try await sandbox.run(fixture.job(.shell("python3 sleep.py"), timeout: 120)) }
            let victims = try await Self.sandboxProcesses(bundle: bundle)
            let killedJob = try #require(cluster.jobs().first { $0.contains(sandbox.configuration.runName) }?.split(separator: "|").first)
            let launchers = Self.launchers(under: bundle)
            try #require(launchers.count == 1, "launchers: \(launchers)")
            let killedAt = ContinuousClock.now
            kill(launchers[0], SIGKILL)
            let gone = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < gone, victims.contains(where: { kill($0, 0) == 0 }) { try await Task.sleep(for: .milliseconds(20)) }
            print("runsc's sandbox and gofer were gone \(killedAt.duration(to: .now)) after the launcher's SIGKILL")
            _ = await killed.result
            #expect(
                !victims.contains { kill($0, 0) == 0 },
                "runsc's processes outlived the step: \(victims.map { "\($0) \(Self.commandLine(of: $0).prefix(60)) \(Self.cgroups(of: $0))" })")
            #expect(Self.pids(containing: "runsc-sandbox").filter { Self.commandLine(of: $0).contains(bundle) }.isEmpty)

            // It could not clean up: runsc's record, the tmpfs and the cgroups stay on the node until
            // the next launcher of the run there sweeps them.
            let runscRoot = "/tmp/evolve-slurm-runsc/\(sandbox.configuration.runName)"
            func records() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: runscRoot)) ?? [] }
            let ids = records().filter { $0.hasSuffix(".launcher") }.map { String($0.dropLast(".launcher".count)) }
            #expect(ids.count == 1, "the killed launcher's record: \(records())")
            #expect(!SlurmGVisorTests.mounts(under: bundle).isEmpty && !Self.cgroupFolders(named: "job_\(killedJob)").isEmpty, "nothing was left to sweep")
            try "0".write(to: fixture.problem.url.appendingPathComponent("seconds"), atomically: true, encoding: .utf8)
            let next = try await sandbox.run(fixture.job(.shell("python3 sleep.py"), timeout: 60))
            #expect(next.termination == .exited(0), "\(next.stderr)")
            #expect(records().isEmpty, "left in runsc's root on the node: \(records())")
            #expect(SlurmGVisorTests.mounts(under: bundle).isEmpty, "mounts left: \(SlurmGVisorTests.mounts(under: bundle))")
            let left = Self.cgroupFolders(named: "job_\(killedJob)") + Self.topCgroups(of: ids)
            #expect(left.isEmpty, "cgroups left: \(left.map(Self.describe))")
            await sandbox.shutdown()
            #expect(try await cluster.waitUntilEmpty(), "left in the queue: \(cluster.jobs())")
        }
    }

    /// A cgroup folder with the cgroups under it and the processes in each, for a failure message.
    static func describe(_ folder: String) -> String {
        let under = FileManager.default.enumerator(atPath: folder)?.compactMap { $0 as? String }.filter { !$0.contains(".") && !$0.hasSuffix("tasks") } ?? []
        let procs = ([""] + under.map { "/" + $0 }).map { path in
            "\(path): \((try? String(contentsOfFile: folder + path + "/cgroup.procs", encoding: .utf8))?.split(separator: "\n").joined(separator: ",") ?? "?")"
        }
        return "\(folder) [\(procs.joined(separator: "; "))]"
    }

    /// Writes 600 MiB, under the candidate's own 1 GiB address-space limit but over the 150 MiB
    /// Slurm gives the job (`sandbox.slurm.memory_mb`), which `task/cgroup` enforces.
    static let hog = "data = b'x' * (600 << 20)\nprint('{\"score\": 1}')\n"

    @Test(
        "a candidate over sandbox.slurm.memory_mb is killed by the job's memory cgroup: a SIGKILL with the out-of-memory note, never a score, nothing left",
        arguments: SlurmSandboxTests.placements)
    func overItsMemory(placement: SandboxConfiguration.Slurm.Placement) async throws {
        try await SlurmCluster.with(nodes: 1, options: .init(cgroups: true)) { cluster in
            let fixture = try SlurmFixture(cluster: cluster, files: ["hog.py": Self.hog])
            defer { fixture.remove() }
            let sandbox = fixture.sandbox(placement: placement, memoryMB: 150)
            try await sandbox.checkAvailability()
            let outcome = try await sandbox.run(fixture.job(.shell("python3 hog.py"), timeout: 120))
            #expect(outcome.termination == .signaled(SIGKILL), "\(outcome.termination): \(outcome.stderr)")
            #expect(outcome.stderr.contains("out of memory"), "no out-of-memory note: \(outcome.stderr)")
            #expect(!outcome.stdout.contains("score"), "\(outcome.stdout)")
            await sandbox.shutdown()
            #expect(try await cluster.waitUntilEmpty(), "left in the queue: \(cluster.jobs())")
        }
    }

    /// The pids of runsc's sandbox and gofer for a bundle under `bundle`, once both are running (at most 60 s).
    static func sandboxProcesses(bundle: String) async throws -> [pid_t] {
        let deadline = ContinuousClock.now + .seconds(60)
        var found: [pid_t] = []
        while ContinuousClock.now < deadline, found.count < 2 {
            try await Task.sleep(for: .milliseconds(100))
            found = (pids(containing: "runsc-sandbox") + pids(containing: "runsc-gofer")).filter { commandLine(of: $0).contains(bundle) }
        }
        try #require(found.count >= 2, "runsc's sandbox did not start: \(found)")
        return found
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

    /// The integer in a cgroup file (0 when unreadable).
    static func number(in file: String) -> Int {
        Int(((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// A process's cgroup in each hierarchy, by the hierarchy's controllers.
    static func cgroups(of pid: pid_t) -> [String: String] {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)) ?? ""
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            if parts.count == 3 { result[parts[1]] = parts[2] }
        }
        return result
    }

    /// Cgroups named after the sandboxes `ids` at the top of a hierarchy (those Slurm does not manage).
    static func topCgroups(of ids: [String]) -> [String] {
        let root = "/sys/fs/cgroup"
        let hierarchies = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return hierarchies.flatMap { hierarchy in ids.map { "\(root)/\(hierarchy)/\($0)" } }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// Cgroup folders of the test cluster's node n1 named `name`, in any hierarchy.
    static func cgroupFolders(named name: String) -> [String] {
        let root = "/sys/fs/cgroup"
        return ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).map { "\(root)/\($0)/slurm_n1/uid_0/\(name)" }
            .filter { FileManager.default.fileExists(atPath: $0) }
    }
}
