/// The rlimits a candidate runs under when nothing but the kernel's limits bounds it: the process
/// backend applies them through `prlimit`, the Slurm backend's launcher on the node through
/// `setrlimit`. One definition for both, so the two cannot drift apart.
struct CandidateLimits: Sendable, Hashable {
    var addressSpace: Int
    /// Soft CPU seconds; the hard limit is one more, so the failure is SIGXCPU and says "CPU".
    var cpuSeconds: Int
    var fileBytes: Int
    /// Processes the candidate may start; RLIMIT_NPROC counts all of the user's, so whoever
    /// applies it adds the user's running processes (root is exempt anyway).
    var processes: Int

    init(_ limits: SandboxLimits) {
        addressSpace = limits.memoryBytes
        cpuSeconds = limits.cpuSeconds
        fileBytes = limits.maxFileBytes
        processes = limits.maxProcesses
    }

    /// `prlimit`'s options, ending with `--`; `processLimit` is the allowance with the user's processes added.
    func prlimitArguments(processLimit: Int) -> [String] {
        [
            "--as=\(addressSpace)", "--cpu=\(cpuSeconds):\(cpuSeconds + 1)", "--fsize=\(fileBytes)", "--nproc=\(processLimit)",
            "--core=0", "--",
        ]
    }

    /// Name → [soft, hard], as the Slurm launcher reads them (it adds the user's processes to `nproc`).
    var named: [String: [Int]] {
        [
            "as": [addressSpace, addressSpace], "cpu": [cpuSeconds, cpuSeconds + 1], "fsize": [fileBytes, fileBytes],
            "nproc": [processes, processes], "core": [0, 0],
        ]
    }
}
