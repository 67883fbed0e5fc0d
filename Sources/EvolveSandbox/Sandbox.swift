import EvolveCore
import Foundation

/// Limits applied to one evaluation.
public struct SandboxLimits: Sendable, Hashable {
    /// Wall-clock seconds before the whole evaluation is killed.
    public var timeout: Double
    public var memoryBytes: Int
    public var cpuSeconds: Int
    public var maxProcesses: Int
    public var maxFileBytes: Int
    /// How much of standard output and of standard error is kept (the tail).
    public var outputBytes: Int

    public init(timeout: Double, memoryBytes: Int, cpuSeconds: Int, maxProcesses: Int, maxFileBytes: Int, outputBytes: Int) {
        self.timeout = timeout
        self.memoryBytes = memoryBytes
        self.cpuSeconds = cpuSeconds
        self.maxProcesses = maxProcesses
        self.maxFileBytes = maxFileBytes
        self.outputBytes = outputBytes
    }

    public init(_ configuration: SandboxConfiguration) {
        self.init(
            timeout: configuration.timeout,
            memoryBytes: configuration.memoryMB << 20,
            cpuSeconds: configuration.cpuSeconds,
            maxProcesses: configuration.maxProcesses,
            maxFileBytes: configuration.maxFileMB << 20,
            outputBytes: configuration.outputKB << 10
        )
    }
}

/// One command to run against one candidate program.
public struct SandboxJob: Sendable, Hashable {
    /// The command; `{program}` is replaced by the candidate's path and `{eval_dir}` by the writable directory.
    public var command: CommandLineSpec
    public var program: String
    /// File name for the candidate (its extension matters to interpreters), e.g. `program.py`.
    public var programFileName: String
    /// The problem directory: the evaluator's files, readable by the command, which runs there.
    public var problemDirectory: URL
    public var limits: SandboxLimits
    /// The evaluator's Python environment, provided read-only at its host path; nil for the sandbox's own interpreters.
    public var environment: EvaluatorEnvironment?
    /// What of the problem directory the command may read (dot-files and `runs/` are always hidden).
    public var visibility: ProblemVisibility
    /// Toolchains outside /usr, bound read-only at their host paths, their `bin/` on PATH.
    public var toolchains: [Toolchain]
    /// Python modules a warm evaluator imports once before its first candidate (`evaluator.preload`).
    public var preload: [String]
    /// The evaluation's account with the model gateway (`evaluator.model`): the backend serves it
    /// on a socket the command can reach; nil: no gateway.
    public var gateway: GatewaySession?

    public init(
        command: CommandLineSpec, program: String, programFileName: String, problemDirectory: URL, limits: SandboxLimits,
        environment: EvaluatorEnvironment? = nil, visibility: ProblemVisibility = .default, toolchains: [Toolchain] = [],
        preload: [String] = [], gateway: GatewaySession? = nil
    ) {
        self.gateway = gateway
        self.preload = preload
        self.toolchains = toolchains
        self.command = command
        self.program = program
        self.programFileName = programFileName
        self.problemDirectory = problemDirectory
        self.limits = limits
        self.environment = environment
        self.visibility = visibility
    }

    /// PATH inside the sandbox: the evaluator environment's `bin`, the toolchains' `bin/`s, then `rest`.
    public func searchPath(before rest: String) -> String {
        let tail = toolchains.searchPath(before: rest)
        return environment?.searchPath(before: tail) ?? tail
    }

    /// The evaluator environment's and the toolchains' variables.
    public var variables: [String: String] {
        toolchains.variables.merging(environment?.variables ?? [:]) { _, environment in environment }
    }

    /// Host paths bound read-only at the same place: the evaluator environment's and the toolchains' folders that exist.
    public var readOnlyPaths: [String] {
        (environment?.readOnlyPaths ?? []) + toolchains.map(\.resolvedPath).filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// The problem directory's paths the sandbox masks, found now (the directory may have changed).
    public var hiddenPaths: [HiddenPath] { HiddenPath.all(in: problemDirectory, visibility: visibility) }

    /// With the model gateway, a unix socket the command could see in the problem directory is
    /// refused: a gVisor sandbox that may reach the gateway's socket may reach any host socket it
    /// sees, and gVisor cannot mask one.
    func refuseVisibleSockets() throws {
        guard gateway != nil, let socket = visibility.visibleSockets(in: problemDirectory).first else { return }
        throw SandboxError(
            .setupFailed,
            "the problem directory holds a unix socket, \(socket), which an evaluation with the model gateway could connect to: "
                + "remove it, or hide it with sandbox.hide")
    }
}

/// How a sandboxed command ended, with its (capped) output.
public struct SandboxOutcome: Sendable, Hashable {
    public enum Termination: Sendable, Hashable {
        case exited(Int32)
        case signaled(Int32)
        case timedOut
    }

    public var termination: Termination
    /// The tail of standard output, at most `limits.outputBytes`.
    public var stdout: String
    public var stderr: String
    /// The contents of `result.json` in the writable directory, if the command wrote one.
    public var resultFile: String?
    /// Wall-clock seconds from start to the end of clean-up.
    public var duration: Double
    /// True when standard output or error was longer than the part kept.
    public var outputTruncated: Bool

    public init(termination: Termination, stdout: String, stderr: String, resultFile: String?, duration: Double, outputTruncated: Bool) {
        self.termination = termination
        self.stdout = stdout
        self.stderr = stderr
        self.resultFile = resultFile
        self.duration = duration
        self.outputTruncated = outputTruncated
    }
}

/// Runs evaluator commands against candidate programs under limits.
///
/// A candidate that crashes, hangs or misbehaves is a normal `SandboxOutcome`. `run` throws only
/// when the sandbox itself cannot work (a `SandboxError`), or when the calling task is cancelled —
/// in which case everything the job started has been killed before `run` returns.
public protocol Sandbox: Sendable {
    /// The backend's name as written in evolve.yaml.
    var name: String { get }
    /// Whether the backend isolates candidates from the host (the process backend does not).
    var isolates: Bool { get }
    /// Whether the backend serves the model gateway (`evaluator.model`) to a job that has one.
    var servesModelGateway: Bool { get }
    /// Checks that the backend can run here; throws a `SandboxError` saying what to install.
    func checkAvailability() async throws
    func run(_ job: SandboxJob) async throws -> SandboxOutcome
    /// Removes what the backend keeps between evaluations; call once when the run ends.
    func shutdown() async
    /// Clears what an earlier process of this run left when it was killed (the Slurm backend: its
    /// jobs still queued or running, and its folder on the shared path), so that no evaluation of
    /// it runs beside the ones this process places. Call once the run's lock is held, before the
    /// first evaluation; returns what was done, a line each (nothing when nothing was left).
    func recover(problemDirectory: URL) async -> [String]
    /// The harness faults the backend recovered from (the candidate was evaluated again, never
    /// scored for them) since the last call: the run stores them with the model faults.
    func takeFaults() -> [SandboxFault]
}

extension Sandbox {
    public var servesModelGateway: Bool { false }
    public func shutdown() async {}
    public func recover(problemDirectory: URL) async -> [String] { [] }
    public func takeFaults() -> [SandboxFault] { [] }
}

/// A failure of the sandbox itself that it recovered from, e.g. a warm evaluator that died.
public struct SandboxFault: Sendable, Hashable {
    /// A short code, e.g. `warm_evaluator`.
    public var kind: String
    public var message: String
    public init(kind: String, message: String) {
        self.kind = kind
        self.message = message
    }
}

/// The sandbox itself failed (not the candidate).
public struct SandboxError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case unavailable
        case setupFailed = "setup_failed"
        case launchFailed = "launch_failed"
        /// The cluster lost the evaluation (its node failed, it was preempted or cancelled outside
        /// evolve) as many times as it may be placed again: nothing the candidate did.
        case lost
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

extension CommandLineSpec {
    /// The argument vector with placeholders replaced; a shell string runs under `/bin/sh -c`.
    func argv(replacing placeholders: [String: String]) -> [String] {
        switch self {
        case .shell(let text):
            var command = text
            for (name, value) in placeholders {
                command = command.replacingOccurrences(of: "{\(name)}", with: shellQuoted(value))
            }
            // A simple command replaces the shell (`exec`), so its signals and exit status are its own.
            let isSimple = !command.contains(where: { ";&|<>()`$\n*?".contains($0) })
            return ["/bin/sh", "-c", isSimple ? "exec " + command : command]
        case .arguments(let words):
            return words.map { word in
                var word = word
                for (name, value) in placeholders {
                    word = word.replacingOccurrences(of: "{\(name)}", with: value)
                }
                return word
            }
        }
    }
}

func shellQuoted(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
