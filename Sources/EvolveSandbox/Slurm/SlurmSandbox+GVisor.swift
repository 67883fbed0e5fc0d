import EvolveCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension SlurmSandbox {
    /// job.json for isolation `gvisor`: the launcher runs `runsc run` of an OCI bundle that the
    /// gVisor backend itself describes (`GVisorSandbox.configuration(for:id:bundle:)`: the same
    /// mounts, masks, user, rlimits and cgroup limits), with the evaluation's folder as the bundle
    /// and the gVisor root on the shared path. On the node the launcher does what the gVisor
    /// backend does around `runsc run`: a tmpfs at the writable folder, a cap on the output, and
    /// afterwards the sandbox removed as `GVisorSandbox.destroy` removes it (its cgroup's processes
    /// killed, runsc's record deleted, `runsc delete -force` only when that fails, its cgroups
    /// removed). runsc's state is node-local.
    ///
    /// The sandbox's cgroup is `/evolve/ID`, except in a Slurm job's cgroups (a cluster that
    /// confines jobs with `proctrack/cgroup` or `task/cgroup`): there the launcher nests it under
    /// its own (`nestedCgroup`), so that Slurm's memory limit and accounting see the sandbox and
    /// the step's end kills it. Its own limits, `memory_mb` + 256 MiB and `cpus`, hold either way.
    func gvisorSpec(for job: SandboxJob, in directory: SlurmJobDirectory, gvisor: GVisorSandbox) throws -> SlurmJobDirectory.Spec {
        let id = gvisor.containerPrefix + "-" + String(UInt64.random(in: 0...0xFF_FFFF_FFFF), radix: 16)
        // uid 65534 inside must be able to walk to the candidate.
        for path in [directory.url.path, directory.url.appendingPathComponent("candidate").path] { _ = chmod(path, 0o755) }
        _ = chmod(directory.program(job).path, 0o644)
        do {
            try gvisor.configuration(for: job, id: id, bundle: directory.url).json().write(to: directory.file("config.json"))
        } catch {
            throw SandboxError(.setupFailed, "could not write the OCI bundle in \(directory.url.path): \(error.localizedDescription)")
        }
        let state = "/tmp/evolve-slurm-runsc/\(configuration.runName)"
        let runsc = configuration.runsc
        return SlurmJobDirectory.Spec(
            nonce: directory.nonce,
            argv: [runsc, "--root", state, "--network=none", "--file-access-mounts=exclusive", "run", "--bundle", directory.url.path, id],
            env: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"], cwd: directory.url.path, rlimits: [:], timeout: job.limits.timeout,
            evalDir: directory.evalDirectory.path, resultLimit: 1 << 20, tmpfsMB: gvisor.configuration.tmpfsMB,
            outputLimit: job.limits.maxFileBytes, requires: [runsc], makeDirectories: [state],
            cgroupProcs: ["/sys/fs/cgroup/pids/evolve/\(id)/cgroup.procs", "/sys/fs/cgroup/evolve/\(id)/cgroup.procs"],
            records: ["\(state)/\(id)_*"], cleanup: [[runsc, "--root", state, "delete", "-force", id]],
            cgroups: ["/sys/fs/cgroup/*/evolve/\(id)", "/sys/fs/cgroup/evolve/\(id)"], nestedCgroup: id,
            sweep: [runsc, "--root", state])
    }
}
