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

/// Runs evaluations as ordinary child processes. It limits them but does not isolate them:
/// a candidate can read what the user can read (dot-files and `runs/` of the problem directory
/// included: `sandbox.hide` cannot apply here). Use it when gVisor is not available and the
/// programs are trusted.
///
/// Each evaluation gets a fresh temporary directory (candidate in `candidate/`, writable `eval/`),
/// its own process group, rlimits through `prlimit` (address space, CPU time, file size, process
/// count, no core files), an environment with nothing but `PATH`, `HOME`, `TMPDIR`, `LANG` and
/// `EVOLVE_EVAL_DIR`, standard output and error in size-limited files of which the tail is kept,
/// and a wall clock that kills the whole process group.
public struct ProcessSandbox: Sandbox {
    public var name: String { "process" }
    public var isolates: Bool { false }

    public var configuration: Configuration
    /// Where temporary evaluation directories are made.
    public var temporaryRoot: URL { configuration.temporaryRoot }
    /// `PATH` inside the evaluation; Debian's interpreters come first.
    public var searchPath: String { configuration.searchPath }
    public var logger: Logger

    static let prlimit = "/usr/bin/prlimit"

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func checkAvailability() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.prlimit) else {
            throw SandboxError(.unavailable, "the process sandbox needs \(Self.prlimit) (Debian package util-linux: apt-get install util-linux)")
        }
    }

    /// RLIMIT_NPROC counts every process of the user, so a user's own running processes are
    /// added to the allowance (root is exempt from the limit anyway).
    static func processLimit(_ allowance: Int) -> Int {
        let uid = getuid()
        guard uid != 0 else { return allowance }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var owned = 0
        for entry in entries where Int(entry) != nil {
            var info = stat()
            if stat("/proc/\(entry)", &info) == 0, info.st_uid == uid { owned += 1 }
        }
        return owned + allowance
    }

    public func run(_ job: SandboxJob) async throws -> SandboxOutcome {
        let started = ContinuousClock.now
        let workspace = try Workspace(root: temporaryRoot, job: job)
        defer { workspace.remove() }

        let argv = job.command.argv(replacing: [
            "program": workspace.program.path,
            "eval_dir": workspace.evalDirectory.path,
            "problem": job.problemDirectory.path,
        ])
        let limits = job.limits
        let arguments =
            [
                // A soft CPU limit below the hard one: SIGXCPU first, so the failure says "CPU".
                "--as=\(limits.memoryBytes)", "--cpu=\(limits.cpuSeconds):\(limits.cpuSeconds + 1)",
                "--fsize=\(limits.maxFileBytes)", "--nproc=\(Self.processLimit(limits.maxProcesses))", "--core=0", "--",
            ] + argv
        var variables: [Environment.Key: String] = [
            "PATH": job.environment?.searchPath(before: searchPath) ?? searchPath,
            "HOME": workspace.evalDirectory.path,
            "TMPDIR": workspace.evalDirectory.path,
            "LANG": "C.UTF-8",
            "EVOLVE_EVAL_DIR": workspace.evalDirectory.path,
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
        ]
        // The evaluator environment needs no binding here: only its bin first on PATH, and its variables.
        for (name, value) in job.environment?.variables ?? [:] { variables[Environment.Key(stringLiteral: name)] = value }
        let environment = variables
        let options = {
            var options = PlatformOptions()
            options.processGroupID = 0  // a new group led by the child, so the wall clock can kill all of it
            options.teardownSequence = [.send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .zero)]
            return options
        }()

        let stdoutFD = try workspace.openOutput("stdout")
        let stderrFD = try workspace.openOutput("stderr")
        let group = ProcessGroup()
        let termination: SandboxOutcome.Termination = try await withThrowingTaskGroup(of: SandboxOutcome.Termination?.self) { tasks in
            tasks.addTask {
                let result = try await Subprocess.run(
                    .path(FilePath(Self.prlimit)),
                    arguments: Arguments(arguments),
                    environment: .custom(environment),
                    workingDirectory: FilePath(job.problemDirectory.path),
                    platformOptions: options,
                    input: .none,
                    output: .fileDescriptor(stdoutFD, closeAfterSpawningProcess: true),
                    error: .fileDescriptor(stderrFD, closeAfterSpawningProcess: true)
                ) { execution in
                    group.started(execution.processIdentifier.value)
                }
                switch result.terminationStatus {
                case .exited(let code): return .exited(code)
                case .signaled(let signal): return .signaled(signal)
                }
            }
            tasks.addTask {
                do {
                    try await Task.sleep(for: .seconds(limits.timeout))
                    group.kill()
                    return .timedOut
                } catch {
                    group.kill()  // cancelled: the run ended (clean up stragglers) or evolve is stopping
                    return nil
                }
            }
            var ended: SandboxOutcome.Termination?
            var timedOut = false
            do {
                while let next = try await tasks.next() {
                    switch next {
                    case .timedOut?: timedOut = true
                    case let status?:
                        ended = status
                        tasks.cancelAll()
                    case nil: break
                    }
                }
            } catch {
                tasks.cancelAll()
                group.kill()
                if Task.isCancelled { throw CancellationError() }
                throw SandboxError(.launchFailed, "could not start the evaluator: \(error)")
            }
            try Task.checkCancellation()
            return timedOut ? .timedOut : (ended ?? .timedOut)
        }
        let stdout = workspace.tail("stdout", limit: limits.outputBytes)
        let stderr = workspace.tail("stderr", limit: limits.outputBytes)
        let duration = started.duration(to: .now)
        return SandboxOutcome(
            termination: termination,
            stdout: stdout.text,
            stderr: stderr.text,
            resultFile: workspace.resultFile(limit: 1 << 20),
            duration: duration.inSeconds,
            outputTruncated: stdout.truncated || stderr.truncated
        )
    }
}

/// The process group of one evaluation, killed as a whole. A kill requested before the group's
/// leader is known is carried out the moment it is.
final class ProcessGroup: Sendable {
    private let state = Mutex<(leader: pid_t?, killed: Bool)>((nil, false))

    func started(_ pid: pid_t) {
        let killNow = state.withLock { state -> Bool in
            state.leader = pid
            return state.killed
        }
        if killNow { _ = Glibc.kill(-pid, SIGKILL) }
    }

    func kill() {
        let leader = state.withLock { state -> pid_t? in
            state.killed = true
            return state.leader
        }
        if let leader { _ = Glibc.kill(-leader, SIGKILL) }
    }
}

/// The temporary directory of one evaluation.
struct Workspace {
    let root: URL
    let program: URL
    let evalDirectory: URL

    init(root: URL, job: SandboxJob) throws {
        let fileManager = FileManager.default
        self.root = root.appendingPathComponent("evolve-eval-\(UUID().uuidString.prefix(12))")
        let candidate = self.root.appendingPathComponent("candidate")
        program = candidate.appendingPathComponent(job.programFileName)
        evalDirectory = self.root.appendingPathComponent("eval")
        do {
            try fileManager.createDirectory(at: candidate, withIntermediateDirectories: true)
            try fileManager.createDirectory(at: evalDirectory, withIntermediateDirectories: true)
            try Data(job.program.utf8).write(to: program)
        } catch {
            throw SandboxError(.setupFailed, "could not prepare \(self.root.path): \(error.localizedDescription)")
        }
    }

    func openOutput(_ name: String) throws -> FileDescriptor {
        do {
            return try FileDescriptor.open(
                FilePath(root.appendingPathComponent(name).path), .writeOnly,
                options: [.create, .truncate], permissions: [.ownerReadWrite])
        } catch {
            throw SandboxError(.setupFailed, "could not create the \(name) file: \(error)")
        }
    }

    func tail(_ name: String, limit: Int) -> (text: String, truncated: Bool) {
        readTail(of: root.appendingPathComponent(name), limit: limit)
    }

    func resultFile(limit: Int) -> String? {
        let url = evalDirectory.appendingPathComponent("result.json")
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: limit) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    func remove() {
        try? FileManager.default.removeItem(at: root)
    }
}

/// The last `limit` bytes of a file, decoded leniently, and whether anything came before them.
func readTail(of url: URL, limit: Int) -> (text: String, truncated: Bool) {
    guard let handle = try? FileHandle(forReadingFrom: url) else { return ("", false) }
    defer { try? handle.close() }
    let size = (try? handle.seekToEnd()) ?? 0
    let start = size > UInt64(limit) ? size - UInt64(limit) : 0
    try? handle.seek(toOffset: start)
    var data = (try? handle.readToEnd()) ?? Data()
    if start > 0 {
        // Do not start inside a multi-byte character: its tail would decode to U+FFFD.
        data = data.drop(while: { $0 & 0xC0 == 0x80 })
    }
    return (String(decoding: data, as: UTF8.self), start > 0)
}
