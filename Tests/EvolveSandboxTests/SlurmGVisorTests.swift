import EvolveCore
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

/// The Slurm backend with gVisor on the nodes (`sandbox.slurm.isolation: gvisor`): the same
/// promises as the gVisor backend on Evolve's own machine, kept on a node of a real cluster.
@Suite(
    "Slurm sandbox with gVisor on the nodes", .serialized,
    .enabled(if: TestEnvironment.runsSlurmTests && TestEnvironment.runsGVisorTests, "needs Slurm and runsc, as root"))
struct SlurmGVisorTests {
    @Test("the candidate runs read-only as uid 65534 in /problem under gVisor; result.json wins; output keeps its tail", arguments: SlurmSandboxTests.placements)
    func containerContract(placement: SandboxConfiguration.Slurm.Placement) async throws {
        try await SlurmCluster.with(nodes: 2) { cluster in
            let fixture = try SlurmFixture(cluster: cluster, files: [:])
            defer { fixture.remove() }
            let sandbox = fixture.sandbox(placement: placement, isolation: .gvisor)
            try await HostileBattery.expectContainerContract(sandbox: sandbox, directory: fixture.problem)
            await sandbox.shutdown()
            #expect(try await cluster.waitUntilEmpty(), "left in the queue: \(cluster.jobs())")
            #expect(fixture.sharedLeftovers.isEmpty, "left on the shared path: \(fixture.sharedLeftovers)")
            #expect(Self.mounts(under: fixture.shared.url.path).isEmpty)
        }
    }

    @Test("each hostile candidate is a recorded failure within timeout + 2 s, leaks nothing, leaves nothing, and good candidates still score")
    func battery() async throws {
        try await SlurmCluster.with(nodes: 2) { cluster in
            let fixture = try SlurmFixture(cluster: cluster, files: [:])
            defer { fixture.remove() }
            let sandbox = fixture.sandbox(placement: .jobs, isolation: .gvisor)
            try await HostileBattery.run(sandbox: sandbox, directory: fixture.problem) { name in
                let empty = try await cluster.waitUntilEmpty()
                #expect(empty, "\(name): left in the queue: \(cluster.jobs())")
                #expect(fixture.leftoverJobs.isEmpty, "\(name): left on the shared path: \(fixture.leftoverJobs)")
                #expect(Self.mounts(under: fixture.shared.url.path).isEmpty, "\(name): mounts left")
                let records = Self.runscRecords(of: sandbox.configuration.runName)
                #expect(records.isEmpty, "\(name): runsc records left on the node: \(records)")
            }
            await sandbox.shutdown()
            #expect(fixture.sharedLeftovers.isEmpty, "left on the shared path: \(fixture.sharedLeftovers)")
        }
    }

    @Test("cancelling an evaluation removes its sandbox on the node: no job, no mount, no runsc record, no cgroup", arguments: SlurmSandboxTests.placements)
    func cancellation(placement: SandboxConfiguration.Slurm.Placement) async throws {
        try await SlurmCluster.with(nodes: 2) { cluster in
            let fixture = try SlurmFixture(cluster: cluster, files: ["sleep.py": "import time\nprint('started', flush=True)\ntime.sleep(300)\n"])
            defer { fixture.remove() }
            let sandbox = fixture.sandbox(placement: placement, isolation: .gvisor)
            let task = Task { try await sandbox.run(fixture.job(.shell("python3 sleep.py"), timeout: 120)) }
            let run = sandbox.configuration.runName
            var ids: [String] = []
            for _ in 0..<200 where ids.isEmpty {
                try await Task.sleep(for: .milliseconds(100))
                ids = Self.runscRecords(of: run).compactMap { $0.components(separatedBy: "_sandbox").first }
            }
            try #require(!ids.isEmpty, "the sandbox never started: \(cluster.jobs())")
            try await Task.sleep(for: .milliseconds(500))
            let (result, elapsed) = await timed {
                task.cancel()
                return await task.result
            }
            #expect(throws: CancellationError.self) { try result.get() }
            #expect(elapsed < 10, "cancellation took \(elapsed) s")
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline, !Self.runscRecords(of: run).isEmpty || !Self.mounts(under: fixture.shared.url.path).isEmpty {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(Self.runscRecords(of: run).isEmpty, "runsc records left on the node: \(Self.runscRecords(of: run))")
            #expect(Self.mounts(under: fixture.shared.url.path).isEmpty, "mounts left: \(Self.mounts(under: fixture.shared.url.path))")
            #expect(Self.cgroups(of: ids).isEmpty, "cgroups left: \(Self.cgroups(of: ids))")
            await sandbox.shutdown()
            #expect(try await cluster.waitUntilEmpty(), "left in the queue: \(cluster.jobs())")
            #expect(fixture.sharedLeftovers.isEmpty, "left on the shared path: \(fixture.sharedLeftovers)")
        }
    }

    /// The cgroups (`evolve/ID` under each controller) of the sandboxes `ids`.
    static func cgroups(of ids: [String]) -> [String] {
        let roots = ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? []).map { "/sys/fs/cgroup/\($0)/evolve" }
        return roots.flatMap { root in ids.map { "\(root)/\($0)" } }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// Mount points at or below `path`.
    static func mounts(under path: String) -> [String] {
        ((try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? "").split(separator: "\n").compactMap { line in
            line.split(separator: " ").dropFirst().first.map(String.init)
        }.filter { $0.hasPrefix(path) }
    }

    /// runsc's records of the run's containers on the (one-machine) nodes.
    static func runscRecords(of run: String) -> [String] {
        let root = "/tmp/evolve-slurm-runsc/\(run)"
        return ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { $0.hasSuffix(".state") }
    }
}
