import EvolveCore
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("gVisor sandbox: hostile programs", .serialized, .enabled(if: TestEnvironment.runsGVisorTests, "needs runsc, as root"))
struct GVisorBatteryTests {
    @Test(
        "each hostile candidate is a recorded failure within timeout + 2 s, leaks nothing, leaves nothing, and good candidates still score (also with an environment bound)",
        arguments: [(1, false), (50, false), (1, true), (50, true)])
    func battery(reuse: Int, withEnvironment: Bool) async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-battery")
        let outside = try TemporaryDirectory(prefix: "evolve-battery-venv")
        // The sandbox's scratch lies outside the problem directory, as a run's does (under /tmp).
        let scratch = try TemporaryDirectory(prefix: "evolve-battery-scratch")
        defer {
            directory.remove()
            outside.remove()
            scratch.remove()
        }
        let environment = withEnvironment ? try await makeVirtualEnvironment(in: outside.url) : nil
        let root = scratch.url.appendingPathComponent("gvisor")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let sandbox = GVisorSandbox(configuration: .init(SandboxConfiguration(gvisor: .init(reuse: reuse)), temporaryRoot: root), logger: testLogger)
        try await HostileBattery.run(sandbox: sandbox, directory: directory, environment: environment) { name in
            try await expectNothingLeft(sandbox: sandbox, directory: scratch.url, after: name, reused: reuse > 1)
        }
        await sandbox.shutdown()
        try await expectNothingLeft(sandbox: sandbox, directory: scratch.url, after: "shutdown")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("evolve-gvisor-\(getpid())").path))
    }

    @Test(
        "the candidate runs read-only as uid 65534 in /problem; result.json wins over standard output; output keeps its tail",
        arguments: [1, 50])
    func resultFileAndOutput(reuse: Int) async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-gvisor-result")
        defer { directory.remove() }
        let root = directory.url.appendingPathComponent("gvisor")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let sandbox = GVisorSandbox(configuration: .init(SandboxConfiguration(gvisor: .init(reuse: reuse)), temporaryRoot: root), logger: testLogger)
        try await HostileBattery.expectContainerContract(sandbox: sandbox, directory: directory)
        await sandbox.shutdown()
    }

    @Test("empty evolve cgroups a sandbox could not remove are swept; occupied and recent ones stay")
    func abandonedCgroups() throws {
        let root = "/sys/fs/cgroup/pids/evolve"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let token = String(UInt32.random(in: 0...0xFFFFFF), radix: 16)
        let empty = "\(root)/evolve-test\(token)-empty"
        let occupied = "\(root)/evolve-test\(token)-occupied"
        for directory in [empty, occupied] { #expect(mkdir(directory, 0o755) == 0) }
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["30"]
        try sleeper.run()
        defer {
            kill(sleeper.processIdentifier, SIGKILL)
            sleeper.waitUntilExit()
            _ = rmdir(occupied)
            _ = rmdir(empty)
        }
        try "\(sleeper.processIdentifier)\n".write(toFile: occupied + "/cgroup.procs", atomically: false, encoding: .utf8)

        GVisorSandbox.removeAbandonedCgroups(olderThan: 60)
        #expect(FileManager.default.fileExists(atPath: empty), "a recent cgroup was removed")
        GVisorSandbox.removeAbandonedCgroups(olderThan: 0)
        #expect(!FileManager.default.fileExists(atPath: empty), "an abandoned empty cgroup was kept")
        #expect(FileManager.default.fileExists(atPath: occupied), "a cgroup with a process in it was removed")
    }

    /// No container, sandbox process, bundle, mount or cgroup of this sandbox (whose scratch is
    /// `directory/gvisor`) remains; with `reused`, but the one sandbox kept for the next evaluation.
    func expectNothingLeft(sandbox: GVisorSandbox, directory: URL, after name: String, reused: Bool = false) async throws {
        let base = directory.appendingPathComponent("gvisor/evolve-gvisor-\(getpid())")
        if reused {
            let jobs = (try? FileManager.default.contentsOfDirectory(atPath: base.appendingPathComponent("jobs").path)) ?? []
            #expect(jobs.count <= 1, "\(name): more than the one reused sandbox: \(jobs)")
            return
        }
        // Give a killed sandbox's last processes a moment to be reaped.
        var processes = true
        for _ in 0..<40 {
            processes = ProcessTable.contains(base.path)
            if !processes { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(!processes, "\(name): a runsc process is still running")
        let jobs = (try? FileManager.default.contentsOfDirectory(atPath: base.appendingPathComponent("jobs").path)) ?? []
        #expect(jobs.isEmpty, "\(name): bundles left: \(jobs)")
        let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        #expect(!mounts.contains(base.path), "\(name): a mount is left")
        for controller in ["memory", "pids", "cpu"] {
            let cgroups = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup/\(controller)/evolve")) ?? []
            #expect(!cgroups.contains { $0.hasPrefix(sandbox.containerPrefix) }, "\(name): \(controller) cgroups left: \(cgroups)")
        }
        let state = (try? FileManager.default.contentsOfDirectory(atPath: base.appendingPathComponent("state").path)) ?? []
        #expect(state.filter { !$0.hasPrefix(".") }.isEmpty, "\(name): runsc state left: \(state)")
    }
}
