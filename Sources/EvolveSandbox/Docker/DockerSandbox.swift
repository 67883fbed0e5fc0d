import AsyncHTTPClient
import EvolveCore
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs each evaluation in a fresh container through the Docker Engine API (Docker itself, or
/// anything that speaks its API, such as `podman system service`), with gVisor's `runsc` as the
/// container runtime by default.
///
/// Every container gets: no network (`NetworkMode: none`), a read-only root (the image), the
/// problem directory read-only at `/problem` with `runs/`, dot-files and `sandbox.hide` masked, the
/// evaluator environment (if any) read-only at its host path, the
/// candidate read-only under `/candidate`, a tmpfs at `/tmp/eval` (the only writable place), user
/// 65534, no capabilities, `no-new-privileges`, limits on memory (no swap), CPUs, pids, open
/// files, processes, file size and CPU time. Output is read from the engine's log stream while
/// the container runs, so an output flood is cut off at `max_file_mb`; a wall clock kills the
/// container, and every exit path removes it. Containers left by an evolve process that was
/// killed are removed when the next Docker sandbox prepares (they carry its pid in a label).
///
/// The engine must run on this machine: the candidate and the problem directory reach the
/// container as bind mounts of host paths.
public final class DockerSandbox: Sandbox {
    public var name: String { "docker" }
    public var isolates: Bool { true }

    public let configuration: Configuration
    /// Where the engine listens, as `unix:///path` or `tcp://host:port`.
    public var host: String { configuration.host }
    public var image: String { configuration.image }
    /// The engine's name for the container runtime (`runsc` by default); empty means the engine's default.
    public var runtime: String { configuration.runtime }
    public var tmpfsMB: Int { configuration.tmpfsMB }
    public var cpus: Double { configuration.cpus }
    /// Every container of this sandbox is named with this prefix.
    public let containerPrefix = "evolve-" + String(UInt32.random(in: 0...0xFF_FFFF), radix: 16)

    public static let defaultHost = "unix:///var/run/docker.sock"
    public static let defaultImage = SandboxConfiguration.Docker().image
    static let apiVersion = "v1.41"
    static let ownerLabel = "org.evolve.owner"

    let baseURL: String
    let base: URL
    let logger: Logger
    private let prepared = Mutex(false)
    /// An empty read-only file bound over each hidden file of the problem directory.
    var emptyFile: URL { base.appendingPathComponent("empty") }

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.baseURL = Self.baseURL(for: configuration.host)
        self.base = configuration.temporaryRoot.appendingPathComponent("evolve-docker-\(getpid())")
        self.logger = logger
    }

    /// One client for every Docker sandbox of the process. It does not retry a refused connection,
    /// so an engine that is not running is reported at once.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }()
    var client: HTTPClient { Self.client }

    /// The engine's address: `sandbox.docker.host` in evolve.yaml, else `DOCKER_HOST`, else Docker's default socket.
    public static func resolveHost(configured: String?, environment: [String: String]) -> String {
        if let configured, !configured.isEmpty { return configured }
        if let fromEnvironment = environment["DOCKER_HOST"], !fromEnvironment.isEmpty { return fromEnvironment }
        return defaultHost
    }

    /// `unix:///run/x.sock` → `http+unix://%2Frun%2Fx.sock`; `tcp://h:p` → `http://h:p`.
    static func baseURL(for host: String) -> String {
        if host.hasPrefix("unix://") {
            let path = String(host.dropFirst("unix://".count))
            return "http+unix://" + (path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? path)
        }
        if host.hasPrefix("tcp://") { return "http://" + host.dropFirst("tcp://".count) }
        return host
    }

    // MARK: Availability

    public func checkAvailability() async throws {
        let ping: (status: UInt, body: Data)
        do {
            ping = try await call(.GET, "/_ping", timeout: 5)
        } catch {
            throw SandboxError(
                .unavailable,
                "cannot reach a Docker engine at \(host): \(Self.describe(error)). Start Docker (or `podman system service`), "
                    + "set `sandbox.docker.host` or DOCKER_HOST, or choose `sandbox.backend: gvisor`")
        }
        guard ping.status == 200 else {
            throw SandboxError(.unavailable, "the Docker engine at \(host) answered /_ping with HTTP \(ping.status)")
        }
        let imageInfo = try await call(.GET, "/images/\(Self.pathEscaped(image, keepingSlashes: true))/json", timeout: 10)
        if imageInfo.status == 404 {
            throw SandboxError(
                .unavailable,
                "the image `\(image)` is not on the Docker engine at \(host): pull it first (`docker pull \(image)`), "
                    + "or set `sandbox.docker.image` to an image that has /bin/sh and your evaluator's interpreter")
        }
        if !runtime.isEmpty, let info = try? await call(.GET, "/info", timeout: 10),
            let runtimes = (try? JSONDecoder().decode(DockerAPI.Info.self, from: info.body))?.Runtimes, runtimes[runtime] == nil
        {
            throw SandboxError(
                .unavailable,
                "the Docker engine at \(host) has no runtime `\(runtime)` (it has \(runtimes.keys.sorted().joined(separator: ", "))): "
                    + "install gVisor and register it (`runsc install`, then restart Docker), or set `sandbox.docker.runtime`")
        }
        try await prepare()
    }

    /// Makes the folder for candidates, and removes what killed evolve processes left.
    func prepare() async throws {
        if prepared.withLock({ $0 }) { return }
        await removeStale()
        do {
            try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
            _ = chmod(base.path, 0o755)
            try Data().write(to: emptyFile)
            _ = chmod(emptyFile.path, 0o444)
        } catch {
            throw SandboxError(.setupFailed, "could not create \(base.path): \(error.localizedDescription)")
        }
        prepared.withLock { $0 = true }
    }

    // MARK: Running

    public func run(_ job: SandboxJob) async throws -> SandboxOutcome {
        try await prepare()
        let started = ContinuousClock.now
        let id = containerPrefix + "-" + String(UInt64.random(in: 0...0xFF_FFFF_FFFF), radix: 16)
        let candidate = try writeCandidate(job, id: id)
        // Clean-up must finish even when the caller was cancelled: run it outside this task.
        let cleanUp: @Sendable () async -> Void = { [self] in
            await Task.detached { [self] in
                _ = try? await call(.DELETE, "/containers/\(id)?force=true&v=true", timeout: 30)
                try? FileManager.default.removeItem(at: candidate)
            }.value
        }
        do {
            try await createAndStart(job, id: id, candidate: candidate)
        } catch {
            await cleanUp()
            if Task.isCancelled { throw CancellationError() }
            throw error
        }
        let limits = job.limits
        let (output, supervised) = await supervise(id, limits: limits)
        if Task.isCancelled || supervised.stopped == .cancelled {
            await cleanUp()
            throw CancellationError()
        }
        let streamed = (try? supervised.ended?.get()) ?? false
        let exit = await exitState(of: id)
        var reason = supervised.stopped
        var received = output
        if reason == nil, exit.code != nil, output.total <= limits.maxFileBytes {
            received = await completeLog(of: id, streamed: output, limit: limits.maxFileBytes)
            // The stream ended before the output passed the limit, but the whole log does pass it:
            // the same failure as if the stream had seen it (measured: a candidate printing 1 GB
            // was otherwise scored from its truncated tail).
            if received.total > limits.maxFileBytes { reason = .outputTooLarge }
        }
        await cleanUp()
        guard streamed || reason != nil, let exitCode = exit.code else {
            throw SandboxError(.launchFailed, "lost track of container \(id) on the Docker engine at \(host)")
        }
        let tails = received.snapshot()
        let stdout = ContainerCommand.split(stdout: tails.stdout, limit: limits.outputBytes)
        let termination: SandboxOutcome.Termination
        switch reason {
        case .timeout?: termination = .timedOut
        case .outputTooLarge?: termination = .signaled(SIGXFSZ)
        default: termination = exit.oomKilled ? .signaled(SIGKILL) : ContainerCommand.termination(exitCode: exitCode)
        }
        return SandboxOutcome(
            termination: termination, stdout: stdout.stdout, stderr: tails.stderr.text, resultFile: stdout.resultFile,
            duration: started.duration(to: .now).inSeconds, outputTruncated: stdout.truncated || tails.stderr.truncated)
    }

    /// Removes every container this sandbox started and its candidate folder.
    public func shutdown() async {
        for id in await containers(where: { labels in labels[Self.ownerLabel] == Self.ownerValue(pid: getpid()) }) {
            _ = try? await call(.DELETE, "/containers/\(id)?force=true&v=true", timeout: 30)
        }
        try? FileManager.default.removeItem(at: base)
        prepared.withLock { $0 = false }
    }

    /// The body of `POST /containers/create`.
    func containerConfiguration(for job: SandboxJob, id: String, candidate: URL) -> DockerAPI.ContainerCreate {
        let limits = job.limits
        var tmpfs = [ContainerCommand.evalDirectory: "size=\(tmpfsMB)m,mode=1777,nosuid,nodev"]
        // What a candidate must not read (runs/, dot-files, sandbox.hide): an empty tmpfs over a
        // folder, an empty read-only file over a file.
        var masks: [DockerAPI.Mount] = []
        for hidden in job.hiddenPaths {
            let destination = ContainerCommand.problemDirectory + "/" + hidden.relativePath
            if hidden.isDirectory {
                tmpfs[destination] = "size=16k,mode=755"
            } else {
                masks.append(.bind(emptyFile.path, destination))
            }
        }
        // The evaluator environment and what its interpreter needs, read-only at their host paths.
        let environmentBinds = job.readOnlyPaths.map { DockerAPI.Mount.bind($0, $0) }
        // gVisor's own kernel lives in the container's cgroup: allow it room beyond the candidate's share.
        let memory = limits.memoryBytes + (runtime == "runsc" ? 256 << 20 : 0)
        let hostConfiguration = DockerAPI.HostConfig(
            NetworkMode: "none", ReadonlyRootfs: true, Tmpfs: tmpfs, Memory: memory, MemorySwap: memory,
            NanoCpus: Int(cpus * 1e9), PidsLimit: max(1024, limits.maxProcesses * 4), CapDrop: ["ALL"],
            SecurityOpt: ["no-new-privileges"],
            Ulimits: [
                .init(Name: "nofile", Soft: 256, Hard: 256),
                .init(Name: "core", Soft: 0, Hard: 0),
                .init(Name: "cpu", Soft: limits.cpuSeconds, Hard: limits.cpuSeconds + 1),
                .init(Name: "fsize", Soft: limits.maxFileBytes, Hard: limits.maxFileBytes),
                .init(Name: "nproc", Soft: limits.maxProcesses, Hard: limits.maxProcesses),
            ],
            Mounts: [
                .bind(job.problemDirectory.path, ContainerCommand.problemDirectory),
                .bind(candidate.path, ContainerCommand.candidateDirectory),
            ] + masks + environmentBinds,
            Runtime: runtime.isEmpty ? nil : runtime)
        return DockerAPI.ContainerCreate(
            Image: image, Cmd: ContainerCommand.arguments(for: job),
            // Docker's way to clear the image's entry point, so that Cmd runs as given.
            Entrypoint: [""], WorkingDir: ContainerCommand.problemDirectory, User: "65534:65534",
            Env: ContainerCommand.environment(for: job), Hostname: "evolve", NetworkDisabled: true,
            Labels: [Self.ownerLabel: Self.ownerValue(pid: getpid())], HostConfig: hostConfiguration)
    }

    // MARK: The engine's API

    /// One request to the engine; the answer's status and body.
    func call(
        _ method: HTTPMethod, _ path: String, json: (any Encodable & Sendable)? = nil, timeout: Double
    ) async throws -> (status: UInt, body: Data) {
        var request = HTTPClientRequest(url: baseURL + "/" + Self.apiVersion + path)
        request.method = method
        request.headers.add(name: "Host", value: "docker")
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(json)))
        }
        let response = try await client.execute(request, deadline: .now() + .milliseconds(Int64(timeout * 1000)))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (response.status.code, Data(body.readableBytesView))
    }

    /// Reads the container's multiplexed log stream until it ends, keeping the tails (the watchdog
    /// reads `tails.total` to stop a flood). Without `follow`, reads the log so far and stops past `limit`.
    func readLogs(of id: String, into tails: LogTails, follow: Bool = true, limit: Int) async throws {
        var request = HTTPClientRequest(url: baseURL + "/" + Self.apiVersion + "/containers/\(id)/logs?follow=\(follow)&stdout=true&stderr=true")
        request.headers.add(name: "Host", value: "docker")
        let response = try await client.execute(request, deadline: .distantFuture)
        guard response.status == .ok else {
            let body = try await response.body.collect(upTo: 1 << 20)
            throw SandboxError(.launchFailed, "could not read the container's output: \(Self.message((response.status.code, Data(body.readableBytesView))))")
        }
        var demultiplexer = LogDemultiplexer()
        for try await chunk in response.body {
            demultiplexer.feed(chunk) { stream, bytes in tails.append(stream: stream, bytes) }
            if !follow, tails.total > limit { break }
        }
    }

    /// Ids of this user's evolve containers whose labels satisfy `predicate`.
    func containers(where predicate: ([String: String]) -> Bool) async -> [String] {
        let filters = #"{"label":["\#(Self.ownerLabel)"]}"#
        guard let list = try? await call(.GET, "/containers/json?all=true&filters=\(Self.pathEscaped(filters))", timeout: 10),
            list.status == 200, let items = try? JSONDecoder().decode([DockerAPI.ContainerSummary].self, from: list.body)
        else { return [] }
        return items.filter { predicate($0.Labels ?? [:]) }.map(\.Id)
    }

    /// Containers and candidate folders left by evolve processes on this machine that no longer run.
    func removeStale() async {
        let hostname = ProcessInfo.processInfo.hostName
        let stale = await containers { labels in
            guard let owner = labels[Self.ownerLabel], let separator = owner.lastIndex(of: ":"),
                owner[..<separator] == hostname, let pid = Int32(owner[owner.index(after: separator)...])
            else { return false }
            return pid != getpid() && Glibc.kill(pid, 0) != 0 && errno == ESRCH
        }
        for id in stale {
            logger.info("removing container \(id) left by an evolve process that no longer runs")
            _ = try? await call(.DELETE, "/containers/\(id)?force=true&v=true", timeout: 30)
        }
        let root = base.deletingLastPathComponent()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [] where name.hasPrefix("evolve-docker-") {
            guard let pid = Int32(name.dropFirst("evolve-docker-".count)), pid != getpid(), Glibc.kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            try? FileManager.default.removeItem(at: root.appendingPathComponent(name))
        }
    }

    static func ownerValue(pid: Int32) -> String { "\(ProcessInfo.processInfo.hostName):\(pid)" }

    /// Percent-encodes `text` for a URL; an image name keeps its slashes, as Docker's own client sends them.
    static func pathEscaped(_ text: String, keepingSlashes: Bool = false) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: keepingSlashes ? "-._~:/" : "-._~:")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// The engine's error message from an answer (`{"message": ...}`), else its status.
    static func message(_ answer: (status: UInt, body: Data)) -> String {
        if let message = (try? JSONDecoder().decode(DockerAPI.ErrorResponse.self, from: answer.body))?.message {
            return "\(message.trimmingCharacters(in: .whitespacesAndNewlines)) (HTTP \(answer.status))"
        }
        let text = String(decoding: answer.body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "HTTP \(answer.status)" : "\(text) (HTTP \(answer.status))"
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError, error == .deadlineExceeded { return "no answer in time" }
        if let error = error as? SandboxError { return error.message }
        return String(describing: error)
    }
}

/// The tails of a container's standard output and error, as the log stream delivers them.
final class LogTails: Sendable {
    private struct State {
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var droppedStdout = false
        var droppedStderr = false
        var total = 0
    }

    private let state = Mutex(State())
    let stdoutLimit: Int
    let stderrLimit: Int

    init(stdoutLimit: Int, stderrLimit: Int) {
        self.stdoutLimit = stdoutLimit
        self.stderrLimit = stderrLimit
    }

    /// Bytes received on both streams.
    var total: Int { state.withLock { $0.total } }

    func append(stream: UInt8, _ bytes: ByteBufferView) {
        state.withLock { state in
            state.total += bytes.count
            if stream == 2 {
                state.stderr.append(contentsOf: bytes)
                if state.stderr.count > 2 * stderrLimit {
                    state.stderr.removeFirst(state.stderr.count - stderrLimit)
                    state.droppedStderr = true
                }
            } else {
                state.stdout.append(contentsOf: bytes)
                if state.stdout.count > 2 * stdoutLimit {
                    state.stdout.removeFirst(state.stdout.count - stdoutLimit)
                    state.droppedStdout = true
                }
            }
        }
    }

    func snapshot() -> (stdout: (text: String, truncated: Bool), stderr: (text: String, truncated: Bool)) {
        state.withLock { state in
            func tail(_ bytes: [UInt8], limit: Int, dropped: Bool) -> (text: String, truncated: Bool) {
                guard bytes.count > limit || dropped else { return (String(decoding: bytes, as: UTF8.self), false) }
                let kept = bytes.suffix(limit).drop(while: { $0 & 0xC0 == 0x80 })
                return (String(decoding: kept, as: UTF8.self), true)
            }
            return (
                tail(state.stdout, limit: stdoutLimit, dropped: state.droppedStdout),
                tail(state.stderr, limit: stderrLimit, dropped: state.droppedStderr)
            )
        }
    }
}

/// Splits Docker's multiplexed log stream: frames of an 8-byte header (stream 1 or 2, three zero
/// bytes, a big-endian 32-bit length) and the payload; frames may straddle chunks.
struct LogDemultiplexer {
    private var pending = ByteBuffer()

    mutating func feed(_ chunk: ByteBuffer, _ deliver: (UInt8, ByteBufferView) -> Void) {
        var chunk = chunk
        pending.writeBuffer(&chunk)
        while pending.readableBytes >= 8 {
            let start = pending.readerIndex
            guard let stream = pending.getInteger(at: start, as: UInt8.self),
                let length = pending.getInteger(at: start + 4, endianness: .big, as: UInt32.self)
            else { return }
            guard pending.readableBytes >= 8 + Int(length) else { break }
            pending.moveReaderIndex(forwardBy: 8)
            if let payload = pending.readSlice(length: Int(length)) { deliver(stream, payload.readableBytesView) }
        }
        pending.discardReadBytes()
    }
}
