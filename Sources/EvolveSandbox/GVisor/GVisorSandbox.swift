import EvolveCore
import Foundation
import Logging
import Subprocess
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs each evaluation in a fresh gVisor sandbox, driving `runsc` directly with an OCI bundle
/// (no Docker daemon).
///
/// What a candidate sees: a read-only root made of an empty directory plus read-only binds of
/// `/usr` (Debian's interpreters and libraries) and a minimal `/etc`; the problem directory
/// read-only at `/problem` (its working directory) with `runs/`, dot-files and `sandbox.hide`
/// masked; the evaluator environment, if any, read-only at its host path; the candidate read-only
/// under `/candidate`; a small tmpfs at `/tmp/eval` (the only writable place). It runs as
/// uid 65534 with no capabilities, no network interface (`--network=none`), rlimits on CPU time,
/// file size, address space and process count, and cgroup limits on memory, CPU and pids. A wall
/// clock and an output-size watchdog kill the container; every exit path deletes the container,
/// its cgroups and the bundle. Sandboxes left by an evolve process that was itself killed are
/// removed the next time a gVisor sandbox is prepared.
///
/// With the model gateway (`evaluator.model`), the folder of the gateway's socket is bound
/// read-only at `/run/evolve`, and runsc runs with `--host-uds=open`, which lets the sandbox
/// connect to host unix sockets it can see (create none): the gateway's, and none other, since
/// a visible socket in the problem directory is refused (`SandboxJob.refuseVisibleSockets`) and
/// the rest of what is bound is `/usr`, a minimal `/etc` and the evaluator's environment and
/// toolchains.
public final class GVisorSandbox: Sandbox {
    public var name: String { "gvisor" }
    public var isolates: Bool { true }
    public var servesModelGateway: Bool { true }

    public let configuration: Configuration
    public var runsc: String { configuration.runsc }
    var tmpfsMB: Int { configuration.tmpfsMB }
    var cpus: Double { configuration.cpus }
    var reuse: Int { configuration.reuse }
    /// Every container of this sandbox is named with this prefix (`evolve-` and 6 hex digits).
    public let containerPrefix = "evolve-" + String(UInt32.random(in: 0...0xFF_FFFF), radix: 16)
    let base: URL
    let logger: Logger
    private let prepared = Mutex(false)
    /// Cleans up after this sandbox if evolve is killed; see `GVisorWarden`.
    private let warden = Mutex<GVisorWarden?>(nil)
    /// Reused sandboxes waiting for a job, and every reused sandbox that is running.
    let idle = Mutex<[ReusedSandbox]>([])
    let live = Mutex<[String: ReusedSandbox]>([:])
    private let shutDown = Mutex(false)
    /// Harness faults of warm evaluators (see `GVisorSandbox+Warm.swift`), and how many of them
    /// `takeFaults()` has handed out.
    let faults = Mutex<(all: [WarmFault], taken: Int)>(([], 0))
    /// Warm evaluators that never became ready: their candidates run in fresh sandboxes.
    let coldOnly = Mutex<Set<WarmSpec>>([])
    var isShutDown: Bool { shutDown.withLock { $0 } }

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.base = configuration.temporaryRoot.appendingPathComponent("evolve-gvisor-\(getpid())")
        self.logger = logger
    }

    var stateDirectory: URL { base.appendingPathComponent("state") }
    var rootfs: URL { base.appendingPathComponent("rootfs") }
    var etc: URL { base.appendingPathComponent("etc") }
    /// An empty read-only file bound over each hidden file of the problem directory.
    var emptyFile: URL { base.appendingPathComponent("empty") }

    public func checkAvailability() async throws {
        guard FileManager.default.isExecutableFile(atPath: runsc) else {
            throw SandboxError(
                .unavailable,
                "gVisor's runsc is not installed at \(runsc): install it with `apt-get install runsc` (Debian), "
                    + "or choose `sandbox.backend: process` for trusted programs")
        }
        guard getuid() == 0 else {
            throw SandboxError(
                .unavailable,
                "the gvisor backend runs runsc with cgroup limits, which needs root; run evolve as root, "
                    + "or choose `sandbox.backend: process` for trusted programs")
        }
        guard Self.canTieLifetimes else {
            throw SandboxError(
                .unavailable,
                "the gvisor backend starts runsc through \(Self.setpriv), so that no sandbox outlives evolve: "
                    + "install util-linux (`apt-get install util-linux`)")
        }
        try await prepare()
    }

    /// Lays out the shared read-only root once, and removes what killed evolve processes left.
    func prepare() async throws {
        if prepared.withLock({ $0 }) { return }
        await Self.removeStale(in: base.deletingLastPathComponent(), runsc: runsc, except: base)
        Self.removeAbandonedCgroups()
        let fileManager = FileManager.default
        do {
            for directory in ["usr", "etc", "proc", "dev", "sys", "tmp/eval", "problem", "candidate", "run/evolve"] {
                try fileManager.createDirectory(at: rootfs.appendingPathComponent(directory), withIntermediateDirectories: true)
            }
            for (link, target) in [("bin", "usr/bin"), ("lib", "usr/lib"), ("lib64", "usr/lib64"), ("sbin", "usr/sbin")]
            where (try? fileManager.destinationOfSymbolicLink(atPath: rootfs.appendingPathComponent(link).path)) == nil {
                try fileManager.createSymbolicLink(atPath: rootfs.appendingPathComponent(link).path, withDestinationPath: target)
            }
            try fileManager.createDirectory(at: etc, withIntermediateDirectories: true)
            try Data().write(to: emptyFile)
            _ = chmod(emptyFile.path, 0o444)
            let files = [
                "passwd": "root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/tmp/eval:/usr/sbin/nologin\n",
                "group": "root:x:0:\nnogroup:x:65534:\n",
                "hosts": "127.0.0.1 localhost\n::1 localhost\n",
                "nsswitch.conf": "passwd: files\ngroup: files\nhosts: files\n",
            ]
            for (name, text) in files {
                try text.write(to: etc.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
            try Self.copyAlternatives(into: etc)
            try GVisorSupervisor.script.write(to: rootfs.appendingPathComponent(GVisorSupervisor.fileName), atomically: true, encoding: .utf8)
            _ = chmod(rootfs.appendingPathComponent(GVisorSupervisor.fileName).path, 0o644)
            try fileManager.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
            try fileManager.createDirectory(at: base.appendingPathComponent("jobs"), withIntermediateDirectories: true)
            // uid 65534 inside must be able to walk to the candidate.
            _ = chmod(base.path, 0o755)
            _ = chmod(base.appendingPathComponent("jobs").path, 0o755)
        } catch {
            throw SandboxError(.setupFailed, "could not prepare the gVisor root in \(base.path): \(error.localizedDescription)")
        }
        let warden = try GVisorWarden(root: base, prefix: containerPrefix)
        let previous = self.warden.withLock { current in
            defer { current = warden }
            return current
        }
        await previous?.stop()
        prepared.withLock { $0 = true }
    }

    public func run(_ job: SandboxJob) async throws -> SandboxOutcome {
        if configuration.warm { return try await runWarm(job) }
        if reuse > 1 { return try await runReused(job) }
        return try await runFresh(job)
    }

    /// Where the model gateway's sockets are made (a folder each).
    var gatewayRoot: URL { base.appendingPathComponent("gateways") }

    /// Runs one evaluation in a sandbox of its own, with a gateway server of its own when the job has a session.
    func runFresh(_ job: SandboxJob) async throws -> SandboxOutcome {
        guard let session = job.gateway else { return try await runFresh(job, gateway: nil) }
        try job.refuseVisibleSockets()
        try await prepare()
        return try await GatewayServer.with(session: session, in: gatewayRoot) { server in
            try await runFresh(job, gateway: server.directory)
        }
    }

    /// `gateway`: the folder of the gateway's socket, bound at /run/evolve.
    private func runFresh(_ job: SandboxJob, gateway: URL?) async throws -> SandboxOutcome {
        try await prepare()
        let started = ContinuousClock.now
        let id = containerPrefix + "-" + String(UInt64.random(in: 0...0xFF_FFFF_FFFF), radix: 16)
        let bundle = base.appendingPathComponent("jobs").appendingPathComponent(id)
        let stdoutURL = bundle.appendingPathComponent("stdout")
        let stderrURL = bundle.appendingPathComponent("stderr")
        do {
            let candidate = bundle.appendingPathComponent("candidate")
            try FileManager.default.createDirectory(at: candidate, withIntermediateDirectories: true)
            _ = chmod(bundle.path, 0o755)
            _ = chmod(candidate.path, 0o755)
            try job.writeCandidate(into: candidate)
            let config = try configuration(for: job, id: id, bundle: bundle, gateway: gateway).json()
            try config.write(to: bundle.appendingPathComponent("config.json"))
            try mountEvalDirectory(of: bundle)
        } catch {
            Self.removeBundle(bundle)
            throw SandboxError(.setupFailed, "could not write the OCI bundle \(bundle.path): \(error.localizedDescription)")
        }
        let command = runscCommand(runArguments(bundle: bundle, id: id, gateway: gateway != nil))
        // SIGKILL to `runsc run` and its group takes the sandbox and its file proxy down at once,
        // with no runsc process to start first; `destroy` below removes what is left.
        let process = SupervisedProcess(
            executable: command.executable, arguments: command.arguments, environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"],
            workingDirectory: nil, stdout: stdoutURL, stderr: stderrURL, timeout: job.limits.timeout,
            outputLimit: job.limits.maxFileBytes)
        let ending: SupervisedProcess.Ending
        do {
            ending = try await process.run()
        } catch {
            await Self.destroy(id, runsc: runsc, stateDirectory: stateDirectory)
            Self.removeBundle(bundle)
            throw error
        }
        return try await finish(job, id: id, bundle: bundle, ending: ending, started: started)
    }

    /// Removes the sandbox of a fresh run (whatever ended it) and reads what it left.
    private func finish(
        _ job: SandboxJob, id: String, bundle: URL, ending: SupervisedProcess.Ending, started: ContinuousClock.Instant
    ) async throws -> SandboxOutcome {
        let cancelled = Task.isCancelled || ending.stopped == .cancelled
        // Clean-up must finish even when the caller was cancelled: run it outside this task.
        let (runsc, stateDirectory) = (self.runsc, self.stateDirectory)
        await Task.detached {
            if ending.stopped != nil || ending.exit == nil {
                await Self.destroy(id, runsc: runsc, stateDirectory: stateDirectory)
            } else {
                Self.removeCgroups(of: id)
            }
        }.value
        let resultFile = cancelled ? nil : Self.readResultFile(in: bundle)
        defer { Self.removeBundle(bundle) }
        if cancelled { throw CancellationError() }

        let limits = job.limits
        let output = readTail(of: bundle.appendingPathComponent("stdout"), limit: limits.outputBytes)
        let stderr = readTail(of: bundle.appendingPathComponent("stderr"), limit: limits.outputBytes)
        if ending.stopped == nil, let code = ending.exit?.code, let failure = Self.runscFailure(code: code, stderr: stderr.text) {
            throw SandboxError(.launchFailed, "runsc could not run the evaluation: \(failure)")
        }
        let termination: SandboxOutcome.Termination
        switch (ending.stopped, ending.exit) {
        case (.timeout?, _): termination = .timedOut
        case (.outputTooLarge?, _): termination = .signaled(SIGXFSZ)
        case (_, let exit?): termination = ContainerCommand.termination(exitCode: exit.code)
        default: termination = .signaled(SIGKILL)
        }
        return SandboxOutcome(
            termination: termination, stdout: output.text, stderr: stderr.text, resultFile: resultFile,
            duration: started.duration(to: .now).inSeconds, outputTruncated: output.truncated || stderr.truncated)
    }

    /// Deletes any container still known to runsc and the shared root.
    public func shutdown() async {
        shutDown.withLock { $0 = true }
        await warden.withLock { current in
            defer { current = nil }
            return current
        }?.stop()
        await retireAll()
        let jobs = (try? FileManager.default.contentsOfDirectory(atPath: base.appendingPathComponent("jobs").path)) ?? []
        for id in jobs {
            await Self.destroy(id, runsc: runsc, stateDirectory: stateDirectory)
        }
        Self.unmountEverything(under: base)
        try? FileManager.default.removeItem(at: base)
        prepared.withLock { $0 = false }
    }

    /// The OCI runtime configuration of one evaluation; `gateway` is the folder of the model
    /// gateway's socket, bound read-only at /run/evolve.
    func configuration(for job: SandboxJob, id: String, bundle: URL, gateway: URL? = nil) -> OCIRuntimeSpec {
        let limits = job.limits
        // The command runs as the container's first process, with no wrapper: /tmp/eval is a
        // size-limited tmpfs mounted on the host, so result.json is read after the sandbox is gone.
        var mounts: [OCIRuntimeSpec.Mount] = [
            .proc,
            .tmpfs("/dev", size: "1m", mode: "755"),
            .bind("/usr", "/usr"),
            .bind("/etc", etc.path),
            .bind("/problem", job.problemDirectory.path),
            .bind("/candidate", bundle.appendingPathComponent("candidate").path),
            .writableBind(ContainerCommand.evalDirectory, bundle.appendingPathComponent("eval").path),
        ]
        // What a candidate must not read (runs/, dot-files, sandbox.hide): masked, and the
        // evaluator environment bound read-only at its host path (see GVisorSandbox+Environment.swift).
        mounts += hiddenMounts(for: job) + environmentMounts(for: job)
        if let gateway { mounts.append(.bind(ModelGateway.socketDirectory, gateway.path)) }
        let period = 100_000
        let process = OCIRuntimeSpec.Process(
            user: .init(uid: 65534, gid: 65534), args: ContainerCommand.command(for: job), cwd: "/problem",
            env: ContainerCommand.environment(for: job), capabilities: .init([]),
            rlimits: [
                .init(type: "RLIMIT_NOFILE", soft: 256, hard: 256),
                .init(type: "RLIMIT_CORE", soft: 0, hard: 0),
                .init(type: "RLIMIT_CPU", soft: limits.cpuSeconds, hard: limits.cpuSeconds + 1),
                .init(type: "RLIMIT_FSIZE", soft: limits.maxFileBytes, hard: limits.maxFileBytes),
                .init(type: "RLIMIT_AS", soft: limits.memoryBytes, hard: limits.memoryBytes),
                // gVisor enforces the guest's process count itself; the cgroup's pids limit also
                // counts the sandbox's own threads, so it is only a generous backstop below.
                .init(type: "RLIMIT_NPROC", soft: limits.maxProcesses, hard: limits.maxProcesses),
            ],
            noNewPrivileges: true)
        let linux = OCIRuntimeSpec.Linux(
            namespaces: ["pid", "network", "ipc", "uts", "mount"].map { .init(type: $0) },
            cgroupsPath: "/evolve/\(id)",
            resources: .init(
                // The sandbox's own kernel lives in the same cgroup: allow it room beyond the candidate's share.
                memory: .init(limit: limits.memoryBytes + (256 << 20)),
                pids: .init(limit: max(1024, limits.maxProcesses * 4)),
                cpu: .init(quota: Int(cpus * Double(period)), period: period)),
            maskedPaths: ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
            readonlyPaths: ["/proc/sys", "/proc/sysrq-trigger"])
        return OCIRuntimeSpec(process: process, root: .init(path: rootfs.path, readonly: true), hostname: "evolve", mounts: mounts, linux: linux)
    }

    /// Mounts the job's writable directory: a host tmpfs of `tmpfsMB`, so that its size is enforced
    /// by the host kernel and its contents outlive the sandbox until `removeBundle`.
    func mountEvalDirectory(of bundle: URL) throws {
        let directory = bundle.appendingPathComponent("eval")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        guard mount("tmpfs", directory.path, "tmpfs", UInt(MS_NOSUID | MS_NODEV), "size=\(tmpfsMB)m,mode=1777") == 0 else {
            throw SandboxError(.setupFailed, "could not mount a tmpfs at \(directory.path): \(String(cString: strerror(errno)))")
        }
    }

    /// result.json from the job's writable directory, at most 1 MiB. The directory is mounted on
    /// the host and the candidate controls it: a symbolic link (to a host file evolve could read)
    /// or anything but a regular file is not followed.
    static func readResultFile(in bundle: URL) -> String? {
        let path = bundle.appendingPathComponent("eval/result.json").path
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return (try? handle.read(upToCount: 1 << 20)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Unmounts the job's tmpfs, then removes its bundle.
    static func removeBundle(_ bundle: URL) {
        unmountEverything(under: bundle)
        try? FileManager.default.removeItem(at: bundle)
    }

    /// Detaches every mount at or below `directory` (deepest first), so that it can be removed.
    static func unmountEverything(under directory: URL) {
        let prefix = directory.path.hasSuffix("/") ? directory.path : directory.path + "/"
        let mounts = ((try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? "").split(separator: "\n").compactMap { line in
            line.split(separator: " ").dropFirst().first.map { $0.replacingOccurrences(of: "\\040", with: " ") }
        }
        for point in mounts.filter({ $0 == directory.path || $0.hasPrefix(prefix) }).sorted(by: { $0.count > $1.count }) {
            _ = umount2(point, Int32(MNT_DETACH))
        }
    }

    /// A runsc failure (not the candidate's): runsc's own error lines on standard error.
    static func runscFailure(code: Int32, stderr: String) -> String? {
        guard code == 128 || code == 2 || code == 1 else { return nil }
        let prefixes = ["running container:", "creating container:", "starting container:", "loading container:"]
        return stderr.split(separator: "\n").first { line in prefixes.contains { line.contains($0) } }.map(String.init)
    }

    /// Runs a runsc subcommand; true when it succeeded.
    @discardableResult
    static func runsc(_ runsc: String, _ arguments: [String]) async -> Bool {
        let result = try? await Subprocess.run(
            .path(FilePath(runsc)), arguments: Arguments(arguments), environment: .custom(["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]),
            output: .discarded, error: .discarded)
        return result?.terminationStatus.isSuccess ?? false
    }

    /// The arguments of `runsc run` for one bundle: no network, exclusive file access; with the
    /// model gateway, connecting to the host's unix sockets it can see (`--host-uds=open`:
    /// without it, connecting to the gateway's socket fails with EPERM).
    func runArguments(bundle: URL, id: String, gateway: Bool = false) -> [String] {
        ["--root", stateDirectory.path, "--network=none", "--file-access-mounts=exclusive"] + (gateway ? ["--host-uds=open"] : [])
            + ["run", "--bundle", bundle.path, id]
    }

    /// Destroys a sandbox, running or not, with its cgroups. Every process of a sandbox (its
    /// kernel, its file proxy, the ptrace stubs) lives in its cgroup: SIGKILL what is there and,
    /// once the cgroup is empty, remove runsc's record of the container from the state directory.
    /// `runsc delete -force` would do the same, but waits about a second for a sandbox that is
    /// already gone, which pushed timed-out evaluations past timeout + 1 s. It remains the
    /// fallback when the cgroup does not empty.
    static func destroy(_ id: String, runsc: String, stateDirectory: URL) async {
        defer { removeCgroups(of: id) }
        if await killCgroupMembers(of: id, within: .seconds(2)) {
            let records = (try? FileManager.default.contentsOfDirectory(atPath: stateDirectory.path)) ?? []
            for name in records where name.hasPrefix(id + "_") {
                try? FileManager.default.removeItem(at: stateDirectory.appendingPathComponent(name))
            }
        } else {
            _ = await Self.runsc(runsc, ["--root", stateDirectory.path, "delete", "-force", id])
        }
    }

    /// SIGKILLs every process in the sandbox's pids cgroup until it is empty; false if it is not
    /// empty within `limit`, or if there is no such cgroup to look at.
    static func killCgroupMembers(of id: String, within limit: Duration) async -> Bool {
        let procs = ["/sys/fs/cgroup/pids/evolve/\(id)/cgroup.procs", "/sys/fs/cgroup/evolve/\(id)/cgroup.procs"]
        guard let file = procs.first(where: { FileManager.default.fileExists(atPath: $0) }) else { return false }
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return false }
            let pids = text.split(separator: "\n").compactMap { Int32($0) }
            if pids.isEmpty { return true }
            for pid in pids where pid > 1 { _ = Glibc.kill(pid, SIGKILL) }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return false
    }

    static let cgroupControllers = ["blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids", "systemd", "unified"]

    /// Removes a sandbox's cgroups. A killed sandbox's last threads may still be leaving them, which
    /// makes `rmdir` fail with EBUSY for a moment: retry for up to a second.
    static func removeCgroups(of id: String) {
        for controller in cgroupControllers {
            let directory = "/sys/fs/cgroup/\(controller)/evolve/\(id)"
            for _ in 0..<40 {
                guard FileManager.default.fileExists(atPath: directory), rmdir(directory) != 0, errno == EBUSY else { break }
                usleep(25_000)
            }
        }
    }

    /// Removes empty evolve cgroups older than `age` seconds: a running evaluation's cgroup always
    /// holds its sandbox, so these were left by a sandbox that could not be cleaned up at the time.
    /// Runs when a gVisor sandbox prepares.
    public static func removeAbandonedCgroups(olderThan age: Double = 60) {
        let now = Date()
        for controller in cgroupControllers {
            let root = "/sys/fs/cgroup/\(controller)/evolve"
            for name in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where name.hasPrefix("evolve-") {
                let directory = root + "/" + name
                guard let created = (try? FileManager.default.attributesOfItem(atPath: directory))?[.modificationDate] as? Date,
                    now.timeIntervalSince(created) >= age,
                    ((try? String(contentsOfFile: directory + "/cgroup.procs", encoding: .utf8)) ?? "x").isEmpty
                else { continue }
                _ = rmdir(directory)
            }
        }
    }

    /// Removes sandboxes, cgroups and bundles left by evolve processes that no longer run.
    static func removeStale(in root: URL, runsc: String, except current: URL) async {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        for name in names where name.hasPrefix("evolve-gvisor-") {
            let directory = root.appendingPathComponent(name)
            guard directory.path != current.path, let pid = Int32(name.dropFirst("evolve-gvisor-".count)),
                Glibc.kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            let state = directory.appendingPathComponent("state")
            let jobs = (try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("jobs").path)) ?? []
            for id in jobs {
                await destroy(id, runsc: runsc, stateDirectory: state)
            }
            unmountEverything(under: directory)
            try? FileManager.default.removeItem(at: directory)
        }
    }
}
