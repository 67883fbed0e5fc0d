import EvolveCore
import Foundation
import Subprocess

#if canImport(Glibc)
import Glibc
#endif

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// A local child process supervised to its end: it leads a process group of its own, its standard
/// output and error go to files (whose tails are read afterwards, so its output is always capped),
/// and a `Watchdog` — the wall clock, an optional cap on those files' size — or the cancellation
/// of the calling task kills the whole group; when it ends, whatever is left in its group is killed. The process, gVisor and Slurm backends start their
/// commands through it.
struct SupervisedProcess: Sendable {
    /// How the process ended.
    enum Exit: Sendable, Hashable {
        case exited(Int32)
        case signaled(Int32)

        /// The shell's convention: 128 + the signal for a death by signal.
        var code: Int32 {
            switch self {
            case .exited(let code): code
            case .signaled(let signal): 128 + signal
            }
        }
    }

    /// What came of running it.
    struct Ending: Sendable {
        /// How it ended; nil when it did not end within the watchdog's grace after a stop.
        var exit: Exit?
        /// Why the watchdog stopped it, if it did.
        var stopped: StopReason?
        var duration: Double
    }

    var executable: String
    var arguments: [String]
    var environment: [String: String]
    var workingDirectory: String?
    var stdout: URL
    var stderr: URL
    var timeout: Double
    /// Kill the group when its two output files together pass this many bytes; nil when another
    /// limit bounds them (the process backend's RLIMIT_FSIZE).
    var outputLimit: Int?
    /// When set, a stop first sends this signal to the process alone and gives it this long to
    /// end before the group is killed: `srun` passes SIGUSR1 on to its task on the node, whose
    /// clean-up there (a sandbox's mount, record and cgroups) a SIGKILL would skip. (A SIGTERM
    /// would not do: srun answers it by cancelling the step, which SIGKILLs the task.)
    var politeStop: PoliteStop? = nil

    struct PoliteStop: Sendable {
        var signal: Int32
        var grace: Duration
    }

    /// Runs the process to its end. Throws only when it could not be started (`SandboxError`);
    /// a cancelled caller gets an ending with `stopped == .cancelled`, the group already killed.
    func run() async throws -> Ending {
        let started = ContinuousClock.now
        let stdoutFD = try Self.create(stdout)
        let stderrFD: FileDescriptor
        do { stderrFD = try Self.create(stderr) } catch {
            try? stdoutFD.close()
            throw error
        }
        let group = ProcessGroup()
        let (stdout, stderr) = (self.stdout, self.stderr)
        let cap = outputLimit.map { limit in
            Watchdog.OutputCap(limit: limit) { Self.size(of: stdout) + Self.size(of: stderr) }
        }
        let polite = politeStop
        let outcome = await Watchdog(timeout: timeout, output: cap).supervise(
            wait: { try await spawn(stdout: stdoutFD, stderr: stderrFD, group: group) },
            stop: { reason in
                // A cancelled process has had its teardown sequence (with the same grace) already.
                if let polite, reason != .cancelled {
                    group.signalLeader(polite.signal)
                    try? await Task.sleep(for: polite.grace)
                }
                group.kill()
            })
        // However it ended, nothing it started outlives it: a background process left in its group dies now.
        group.kill()
        await group.awaitEmpty()
        let duration = started.duration(to: .now).inSeconds
        switch outcome.ended {
        case .failure(let error)? where !(error is CancellationError) && outcome.stopped == nil:
            throw SandboxError(.launchFailed, "could not start \(executable): \(error)")
        case .success(let exit)?:
            return Ending(exit: exit, stopped: outcome.stopped, duration: duration)
        default:
            return Ending(exit: nil, stopped: outcome.stopped ?? .cancelled, duration: duration)
        }
    }

    private func spawn(stdout: FileDescriptor, stderr: FileDescriptor, group: ProcessGroup) async throws -> Exit {
        var variables: [Environment.Key: String] = [:]
        for (name, value) in environment { variables[Environment.Key(stringLiteral: name)] = value }
        let result = try await Subprocess.run(
            .path(FilePath(executable)), arguments: Arguments(arguments), environment: .custom(variables),
            workingDirectory: workingDirectory.map { FilePath($0) }, platformOptions: Self.groupLeader(politeStop: politeStop),
            input: .none,
            output: .fileDescriptor(stdout, closeAfterSpawningProcess: true),
            error: .fileDescriptor(stderr, closeAfterSpawningProcess: true)
        ) { execution in
            group.started(execution.processIdentifier.value)
        }
        switch result.terminationStatus {
        case .exited(let code): return .exited(code)
        case .signaled(let signal): return .signaled(signal)
        }
    }

    /// A new process group led by the child, killed whole if its task is torn down (after the
    /// polite stop's signal to the child alone and its grace, when given).
    static func groupLeader(politeStop: PoliteStop?) -> PlatformOptions {
        var options = PlatformOptions()
        options.processGroupID = 0
        let polite: [TeardownStep] = politeStop.map {
            [.send(signal: Signal(rawValue: $0.signal), toProcessGroup: false, allowedDurationToNextStep: $0.grace)]
        } ?? []
        options.teardownSequence = polite + [.send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .zero)]
        return options
    }

    static func create(_ url: URL) throws -> FileDescriptor {
        do {
            return try FileDescriptor.open(FilePath(url.path), .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite])
        } catch {
            throw SandboxError(.setupFailed, "could not create the output file \(url.path): \(error)")
        }
    }

    static func size(of url: URL) -> Int {
        var info = stat()
        return stat(url.path, &info) == 0 ? Int(info.st_size) : 0
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
