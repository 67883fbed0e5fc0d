/// The supervisor that runs as PID 1 of a reused gVisor sandbox (`sandbox.gvisor.reuse` > 1).
///
/// It reads one job per line on standard input (JSON: argv, env, program, limits) and answers one
/// JSON line on standard output. Each job runs in fresh PID, mount, IPC, UTS and network
/// namespaces, with a fresh tmpfs at /tmp/eval and its own /candidate, as uid 65534 without
/// capabilities and with no-new-privileges; when the job's first process ends, the kernel kills
/// everything else in its PID namespace. Only Python 3 from the host's /usr is needed, which the
/// evaluators need anyway.
enum GVisorSupervisor {
    static let fileName = "evolve-supervisor.py"

    /// The script itself: evolve-supervisor.py beside this file, embedded in the binary at build time.
    static let script = String(decoding: PackageResources.evolve_supervisor_py, as: UTF8.self)
}
