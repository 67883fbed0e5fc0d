import EvolveCore
import EvolveSandbox
import EvolveTesting
import Foundation

/// A problem directory and a shared directory for Slurm sandboxes on a test cluster; on one host
/// "shared" is simply a temporary folder every node sees.
struct SlurmFixture {
    let problem: TemporaryDirectory
    let shared: TemporaryDirectory
    let cluster: SlurmCluster

    init(cluster: SlurmCluster, files: [String: String]) throws {
        self.cluster = cluster
        problem = try TemporaryDirectory(prefix: "evolve-slurm-problem")
        shared = try TemporaryDirectory(prefix: "evolve-slurm-shared")
        try problem.write(files)
    }

    /// A Slurm sandbox on the cluster, with process isolation on the nodes unless told otherwise.
    func sandbox(
        placement: SandboxConfiguration.Slurm.Placement, concurrency: Int = 2, retries: Int = 1,
        isolation: SandboxConfiguration.Slurm.Isolation = .process, run: String? = nil, controllerWait: Double = 600,
        memoryMB: Int? = nil
    ) -> SlurmSandbox {
        var configuration = SandboxConfiguration(backend: .slurm, concurrency: concurrency)
        configuration.slurm = SandboxConfiguration.Slurm(
            placement: placement, isolation: isolation, sharedDirectory: shared.url.path, retries: retries,
            controllerWait: controllerWait)
        configuration.slurm.memoryMB = memoryMB
        var slurm = SlurmSandbox.Configuration(configuration, environment: cluster.environment)
        if let run { slurm.runName = SlurmSandbox.Configuration.runName(for: run) }
        return SlurmSandbox(configuration: slurm, logger: testLogger)
    }

    func job(_ command: CommandLineSpec, program: String = "VALUE = 1\n", timeout: Double = 30) -> SandboxJob {
        SandboxJob(
            command: command, program: program, programFileName: "program.py", problemDirectory: problem.url,
            limits: .forTests(timeout: timeout))
    }

    /// What the sandbox left on the shared path besides its run folder's launcher.
    var leftoverJobs: [String] {
        let runs = (try? FileManager.default.contentsOfDirectory(atPath: shared.url.path)) ?? []
        return runs.flatMap { run in
            ((try? FileManager.default.contentsOfDirectory(atPath: shared.url.appendingPathComponent("\(run)/jobs").path)) ?? [])
        }
    }

    /// Everything left on the shared path (after shutdown: nothing).
    var sharedLeftovers: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: shared.url.path)) ?? ["<gone>"]
    }

    func remove() {
        problem.remove()
        shared.remove()
    }
}

/// An evaluator that reports the node it ran on: the launcher, its parent, runs in the Slurm
/// task's environment (the candidate's own is scrubbed), and the process backend's candidate may
/// read its parent's environment (same user).
let nodeProbe = """
    import json, os, sys, time
    environ = open(f"/proc/{os.getppid()}/environ", "rb").read().split(b"\\0")
    node = next((item.split(b"=", 1)[1].decode() for item in environ if item.startswith(b"SLURMD_NODENAME=")), "?")
    time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 0)
    print(json.dumps({"score": 1, "metrics": {}, "artifacts": {"node": node}}))
    """

/// Seconds the body took.
func timed<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
    let start = ContinuousClock.now
    let value = try await body()
    return (value, seconds(since: start))
}
