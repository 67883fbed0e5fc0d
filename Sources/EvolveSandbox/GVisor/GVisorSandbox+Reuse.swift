import Dispatch
import EvolveCore
import Foundation
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

/// Reused sandboxes (`sandbox.gvisor.reuse` > 1): one gVisor sandbox runs up to `reuse` evaluations one
/// after another, each in fresh namespaces made by `GVisorSupervisor`, which saves the start of a
/// sandbox (three runsc processes and a guest kernel: about 130 ms of CPU) per evaluation.
///
/// What each evaluation still gets to itself: its PID namespace (it cannot see or signal any other
/// evaluation's processes, and everything it started is killed when its first process ends), its
/// mount namespace with a fresh tmpfs at /tmp/eval and a fresh /candidate, its IPC, UTS and network
/// namespaces, uid 65534 without capabilities, and its rlimits. What consecutive evaluations of one
/// sandbox share is gVisor's guest kernel. A sandbox that misses an answer, is cancelled or dies is
/// destroyed, and the next evaluation gets a new one.
extension GVisorSandbox {
    /// What a reused sandbox is made for: evaluations of another problem or limit get another one.
    struct ReuseKey: Hashable, Sendable {
        var problemDirectory: String
        var memoryBytes: Int
        var maxProcesses: Int
        var hidden: [HiddenPath]
        var environment: EvaluatorEnvironment?
        var toolchains: [Toolchain]
        /// A warm sandbox's evaluator: what it runs, imports and was started on.
        var warm: WarmSpec?
        /// Whether the sandbox serves the model gateway (a server of its own, each job's session in turn).
        var gateway: Bool = false
    }

    func runReused(_ job: SandboxJob) async throws -> SandboxOutcome {
        let started = ContinuousClock.now
        switch try await exchange(job, warm: nil) {
        case .answered(let reply):
            return Self.outcome(from: reply, limits: job.limits)
        case .noAnswer:
            return Self.unanswered(since: started)
        case .failed(let message):
            throw SandboxError(.launchFailed, message)
        case .stopped(let stderr):
            if let failure = Self.runscFailure(code: 1, stderr: stderr) {
                throw SandboxError(.launchFailed, "runsc could not run the evaluation: \(failure)")
            }
            // The guest kernel went away during the evaluation (the sandbox's memory cgroup, say).
            return SandboxOutcome(
                termination: .signaled(SIGKILL), stdout: "", stderr: stderr, resultFile: nil,
                duration: started.duration(to: .now).inSeconds, outputTruncated: false)
        case .notReady(let message):
            throw SandboxError(.launchFailed, message)
        }
    }

    /// The outcome of a job the sandbox did not answer by its wall clock (plus a margin).
    static func unanswered(since started: ContinuousClock.Instant) -> SandboxOutcome {
        SandboxOutcome(
            termination: .timedOut, stdout: "", stderr: "", resultFile: nil, duration: started.duration(to: .now).inSeconds,
            outputTruncated: false)
    }

    /// How one job in a reused sandbox went, before it is read as the candidate's outcome.
    enum Exchange {
        case answered(SupervisorAnswer)
        /// The sandbox missed the job's wall clock (plus a margin) without answering.
        case noAnswer
        /// The supervisor or a job's runner failed, or answered something that is not an answer.
        case failed(String)
        /// The sandbox ended during the job; what runsc and the sandbox wrote to standard error.
        case stopped(stderr: String)
        /// A warm evaluator did not report ready within its start-up allowance.
        case notReady(String)
    }

    /// Runs one job in a reused sandbox made for it (a warm one when `warm` is given), taken
    /// from the idle ones or started; keeps the sandbox for the next job when it answered and
    /// has jobs left, and retires it otherwise.
    func exchange(_ job: SandboxJob, warm: WarmSpec?) async throws -> Exchange {
        try job.refuseVisibleSockets()
        try await prepare()
        let key = ReuseKey(
            problemDirectory: job.problemDirectory.path, memoryBytes: job.limits.memoryBytes, maxProcesses: job.limits.maxProcesses,
            hidden: job.hiddenPaths, environment: job.environment, toolchains: job.toolchains, warm: warm, gateway: job.gateway != nil)
        let pooled = idle.withLock { pool -> ReusedSandbox? in
            if let index = pool.firstIndex(where: { $0.key == key }) { return pool.remove(at: index) }
            return nil
        }
        let sandbox = if let pooled { pooled } else { try await startReused(for: job, key: key) }

        let request = try Self.request(for: job, tmpfsMB: tmpfsMB)
        // The supervisor answers by the job's own wall clock; this backstop covers a sandbox that
        // is still starting or no longer answers. A warm evaluator's start-up (its imports) is
        // not the job's: the job's clock starts when the evaluator is ready.
        // The sandbox's gateway answers for this job while it runs, and for no other: the session
        // is taken back before the sandbox can go to the next job.
        sandbox.gateway?.session.withLock { $0 = job.gateway }
        let answer = await withTaskCancellationHandler {
            await sandbox.exchange(request, timeout: .milliseconds(Int64(job.limits.timeout * 1000)) + .seconds(3))
        } onCancel: {
            sandbox.kill()
        }
        sandbox.gateway?.session.withLock { $0 = nil }
        if Task.isCancelled {
            await retire(sandbox)
            throw CancellationError()
        }
        switch answer {
        case .line(let line):
            guard let reply = try? JSONDecoder().decode(SupervisorAnswer.self, from: line) else {
                await retire(sandbox)
                return .failed("the gVisor sandbox's supervisor answered something that is not JSON")
            }
            if let error = reply.error {
                await retire(sandbox)
                return .failed("the gVisor sandbox's supervisor failed: \(error)")
            }
            let used = sandbox.finishedJob()
            if warm != nil, used == 1 { reportReadiness(of: sandbox) }
            if used < (warm == nil ? reuse : configuration.warmEvaluations), !isShutDown {
                idle.withLock { $0.append(sandbox) }
            } else {
                await retire(sandbox)
            }
            return .answered(reply)
        case .noAnswer:
            await retire(sandbox)
            return .noAnswer
        case .notReady:
            let stderr = readTail(of: sandbox.bundle.appendingPathComponent("stderr"), limit: job.limits.outputBytes).text
            await retire(sandbox)
            return .notReady(
                "the warm evaluator did not become ready (it ended, or took more than \(Int(ReusedSandbox.readyAllowance.inSeconds)) s)"
                    + (Evaluator.lastLine(stderr).map { ": \($0)" } ?? ""))
        case .stopped:
            let stderr = readTail(of: sandbox.bundle.appendingPathComponent("stderr"), limit: job.limits.outputBytes).text
            await retire(sandbox)
            return .stopped(stderr: stderr)
        }
    }

    /// Starts a sandbox whose first process is the supervisor, with a model gateway server of its
    /// own when its jobs have the gateway.
    func startReused(for job: SandboxJob, key: ReuseKey) async throws -> ReusedSandbox {
        let id = containerPrefix + "-" + String(UInt64.random(in: 0...0xFF_FFFF_FFFF), radix: 16)
        let bundle = base.appendingPathComponent("jobs").appendingPathComponent(id)
        let gateway = key.gateway ? try await GatewayServer.start(session: nil, in: gatewayRoot) : nil
        let pipes: (input: (FileDescriptor, FileDescriptor), output: (FileDescriptor, FileDescriptor))
        let stderrFD: FileDescriptor
        do {
            try FileManager.default.createDirectory(at: bundle, withIntermediateDirectories: true)
            _ = chmod(bundle.path, 0o755)
            let config = try reusedConfiguration(for: job, id: id, warm: key.warm, gateway: gateway?.directory).json()
            try config.write(to: bundle.appendingPathComponent("config.json"))
            stderrFD = try FileDescriptor.open(
                FilePath(bundle.appendingPathComponent("stderr").path), .writeOnly, options: [.create, .truncate],
                permissions: [.ownerReadWrite])
            let input = try FileDescriptor.pipe()
            let output = try FileDescriptor.pipe()
            pipes = ((input.readEnd, input.writeEnd), (output.readEnd, output.writeEnd))
        } catch {
            Self.removeBundle(bundle)
            await gateway?.stop()
            throw SandboxError(.setupFailed, "could not write the OCI bundle \(bundle.path): \(error.localizedDescription)")
        }
        // Our ends must not leak into runsc: it would keep its own standard input open.
        _ = fcntl(pipes.input.1.rawValue, F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipes.input.1.rawValue, F_SETFL, fcntl(pipes.input.1.rawValue, F_GETFL) | O_NONBLOCK)
        _ = fcntl(pipes.output.0.rawValue, F_SETFD, FD_CLOEXEC)
        let sandbox = ReusedSandbox(
            id: id, key: key, bundle: bundle, input: pipes.input.1, output: pipes.output.0, warm: key.warm != nil, gateway: gateway)
        // A write to a sandbox that died must fail with EPIPE instead of ending evolve.
        signal(SIGPIPE, SIG_IGN)
        let command = runscCommand(runArguments(bundle: bundle, id: id, gateway: gateway != nil))
        let group = sandbox.group
        // The sandbox's lifetime is this task: it ends when runsc does, and `retire` waits for it.
        sandbox.lifetime.withLock {
            $0 = Task.detached {
                _ = try? await Subprocess.run(
                    .path(FilePath(command.executable)), arguments: Arguments(command.arguments),
                    environment: .custom(["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]), platformOptions: SupervisedProcess.groupLeader(politeStop: nil),
                    input: .fileDescriptor(pipes.input.0, closeAfterSpawningProcess: true),
                    output: .fileDescriptor(pipes.output.1, closeAfterSpawningProcess: true),
                    error: .fileDescriptor(stderrFD, closeAfterSpawningProcess: true)
                ) { execution in
                    group.started(execution.processIdentifier.value)
                }
                sandbox.exited.withLock { $0 = true }
            }
        }
        live.withLock { $0[id] = sandbox }
        return sandbox
    }

    /// Kills a reused sandbox and removes everything it left.
    func retire(_ sandbox: ReusedSandbox) async {
        sandbox.kill()
        let stateDirectory = self.stateDirectory
        let runsc = self.runsc
        await Task.detached {
            await sandbox.lifetime.withLock { $0 }?.value
            await Self.destroy(sandbox.id, runsc: runsc, stateDirectory: stateDirectory)
            sandbox.closePipes()
            Self.removeBundle(sandbox.bundle)
            await sandbox.gateway?.stop()
        }.value
        _ = live.withLock { $0.removeValue(forKey: sandbox.id) }
    }

    /// Retires every reused sandbox, idle or busy.
    func retireAll() async {
        idle.withLock { $0.removeAll() }
        for sandbox in live.withLock({ Array($0.values) }) {
            await retire(sandbox)
        }
    }

    /// The OCI configuration of a reused sandbox: the fresh sandbox's, with the supervisor as its
    /// first process (root inside the sandbox, with just the capabilities it needs to make each
    /// job's namespaces and drop to uid 65534), and no per-job mounts. A warm sandbox's
    /// supervisor is also its zygote.
    func reusedConfiguration(for job: SandboxJob, id: String, warm: WarmSpec? = nil, gateway: URL? = nil) -> OCIRuntimeSpec {
        var configuration = configuration(
            for: job, id: id, bundle: base.appendingPathComponent("jobs").appendingPathComponent(id), gateway: gateway)
        configuration.process.args = ["/usr/bin/python3", "-I", "-S", "/" + GVisorSupervisor.fileName] + (warm.map { ["--warm", $0.json] } ?? [])
        configuration.process.user = .init(uid: 0, gid: 0)
        configuration.process.capabilities = .init(["CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_KILL"])
        configuration.process.noNewPrivileges = false
        // Each job sets its own limits; the supervisor only needs files.
        configuration.process.rlimits = [.init(type: "RLIMIT_NOFILE", soft: 1024, hard: 1024), .init(type: "RLIMIT_CORE", soft: 0, hard: 0)]
        let perJob: Set<String> = ["/candidate", ContainerCommand.evalDirectory]
        configuration.mounts.removeAll { perJob.contains($0.destination) }
        return configuration
    }

    /// One job for the supervisor (see `GVisorSupervisor`), one JSON line.
    struct SupervisorRequest: Encodable {
        struct Rlimits: Encodable {
            var cpu: Int
            var fsize: Int
            var `as`: Int
            var nproc: Int
            var nofile = 256
            var core = 0
        }

        var argv: [String]
        var env: [String: String]
        /// The candidate's files by path under /candidate.
        var files: [String: String]
        var timeout: Double
        var tmpfs_mb: Int
        var max_output: Int
        var output_bytes: Int
        var rlimits: Rlimits
    }

    /// The supervisor's answer to one job.
    struct SupervisorAnswer: Decodable, Sendable {
        var error: String?
        var reason: String?
        var signal: Int?
        var code: Int?
        var stdout: String?
        var stderr: String?
        var result: String?
        var duration: Double?
        var truncated: Bool?
    }

    /// One job for the supervisor, as a JSON line.
    static func request(for job: SandboxJob, tmpfsMB: Int) throws -> Data {
        let limits = job.limits
        let environment = Dictionary(ContainerCommand.environment(for: job).map { entry in
            let parts = entry.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }, uniquingKeysWith: { $1 })
        let request = SupervisorRequest(
            argv: ContainerCommand.command(for: job), env: environment, files: job.candidateFiles,
            timeout: limits.timeout, tmpfs_mb: tmpfsMB, max_output: limits.maxFileBytes, output_bytes: limits.outputBytes,
            rlimits: .init(cpu: limits.cpuSeconds, fsize: limits.maxFileBytes, as: limits.memoryBytes, nproc: limits.maxProcesses))
        do {
            var data = try JSONEncoder().encode(request)
            data.append(UInt8(ascii: "\n"))
            return data
        } catch {
            throw SandboxError(.setupFailed, "could not encode the job for the gVisor sandbox: \(error)")
        }
    }

    /// The supervisor's answer as an outcome.
    static func outcome(from answer: SupervisorAnswer, limits: SandboxLimits) -> SandboxOutcome {
        let termination: SandboxOutcome.Termination
        switch answer.reason {
        case "timeout": termination = .timedOut
        case "output": termination = .signaled(SIGXFSZ)
        default:
            if let signal = answer.signal {
                termination = .signaled(Int32(signal))
            } else {
                termination = ContainerCommand.termination(exitCode: Int32(answer.code ?? 1))
            }
        }
        return SandboxOutcome(
            termination: termination, stdout: answer.stdout ?? "", stderr: answer.stderr ?? "", resultFile: answer.result,
            duration: answer.duration ?? 0, outputTruncated: answer.truncated ?? false)
    }
}

/// One long-lived gVisor sandbox and the pipes to its supervisor.
final class ReusedSandbox: Sendable {
    enum Answer: Sendable { case line(Data), noAnswer, stopped, notReady }

    /// How long a warm evaluator may take to import what it preloads before it is given up on.
    static let readyAllowance: Duration = .seconds(120)

    let id: String
    let key: GVisorSandbox.ReuseKey
    let bundle: URL
    let group = ProcessGroup()
    let exited = Mutex(false)
    let lifetime = Mutex<Task<Void, Never>?>(nil)
    private let input: FileDescriptor
    private let output: FileDescriptor
    /// Whether the supervisor is a warm evaluator, which reports ready once before its first job.
    let warm: Bool
    private let state = Mutex((jobs: 0, pipesClosed: false, ready: false))
    /// What a warm evaluator said when it was ready: what it imported and what failed to import.
    let readiness = Mutex<Data?>(nil)
    /// The model gateway's server, answering for the job that runs (`ReuseKey.gateway`).
    let gateway: GatewayServer?

    init(
        id: String, key: GVisorSandbox.ReuseKey, bundle: URL, input: FileDescriptor, output: FileDescriptor, warm: Bool = false,
        gateway: GatewayServer? = nil
    ) {
        self.gateway = gateway
        self.warm = warm
        self.id = id
        self.key = key
        self.bundle = bundle
        self.input = input
        self.output = output
    }

    /// Counts a finished job; returns how many this sandbox has run.
    func finishedJob() -> Int { state.withLock { $0.jobs += 1; return $0.jobs } }

    func kill() { group.kill() }

    func closePipes() {
        let close = state.withLock { state -> Bool in
            defer { state.pipesClosed = true }
            return !state.pipesClosed
        }
        guard close else { return }
        try? input.close()
        try? output.close()
    }

    /// Sends one job and waits for its answer line, off Swift's cooperative threads (the wait
    /// blocks in `poll`), at most `timeout` after the sandbox is ready. A sandbox that was killed,
    /// or whose runsc ended, closes the pipe.
    func exchange(_ request: Data, timeout: Duration) async -> Answer {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: self.blockingExchange(request, timeout: timeout))
            }
        }
    }

    private func blockingExchange(_ request: Data, timeout: Duration) -> Answer {
        if warm, !state.withLock({ $0.ready }) {
            switch readLine(deadline: .now + Self.readyAllowance) {
            case .line(let line):
                readiness.withLock { $0 = line }
                state.withLock { $0.ready = true }
            default: return .notReady
            }
        }
        let deadline = ContinuousClock.now + timeout
        var sent = 0
        while sent < request.count {
            if ContinuousClock.now >= deadline { return .noAnswer }
            var poller = pollfd(fd: input.rawValue, events: Int16(POLLOUT), revents: 0)
            guard poll(&poller, 1, 200) >= 0 || errno == EINTR else { return .stopped }
            if poller.revents & Int16(POLLOUT) == 0 {
                if poller.revents & Int16(POLLERR | POLLHUP) != 0 || exited.withLock({ $0 }) { return .stopped }
                continue
            }
            let count = request.withUnsafeBytes { bytes in write(input.rawValue, bytes.baseAddress! + sent, bytes.count - sent) }
            if count < 0, errno == EINTR || errno == EAGAIN { continue }
            if count <= 0 { return .stopped }
            sent += count
        }
        return readLine(deadline: deadline)
    }

    /// The next line the supervisor writes, by `deadline`.
    private func readLine(deadline: ContinuousClock.Instant) -> Answer {
        var line: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            if left <= .zero { return .noAnswer }
            var poller = pollfd(fd: output.rawValue, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(left.inSeconds * 1000, 200)) + 1)
            if ready < 0, errno != EINTR { return .stopped }
            if ready <= 0 {
                if exited.withLock({ $0 }) { return .stopped }
                continue
            }
            let count = buffer.withUnsafeMutableBytes { read(output.rawValue, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR || errno == EAGAIN { continue }
            if count <= 0 { return .stopped }
            let searchFrom = line.count
            line.append(contentsOf: buffer[0..<count])
            if let newline = line[searchFrom...].firstIndex(of: UInt8(ascii: "\n")) { return .line(Data(line[..<newline])) }
        }
    }
}
