import EvolveCore
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
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
    /// The gateway's socket is in the evaluation's temporary directory, named by `EVOLVE_MODEL_SOCKET`.
    public var servesModelGateway: Bool { true }

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
        let workspace = try Workspace(root: temporaryRoot, job: job)
        defer { workspace.remove() }
        guard let session = job.gateway else { return try await run(job, in: workspace, gatewaySocket: nil) }
        return try await GatewayServer.with(session: session, in: workspace.root) { server in
            try await run(job, in: workspace, gatewaySocket: server.socketPath)
        }
    }

    private func run(_ job: SandboxJob, in workspace: Workspace, gatewaySocket: String?) async throws -> SandboxOutcome {
        let argv = job.command.argv(replacing: [
            "program": workspace.program.path,
            "eval_dir": workspace.evalDirectory.path,
            "problem": job.problemDirectory.path,
        ])
        let limits = job.limits
        let rlimits = CandidateLimits(limits).prlimitArguments(processLimit: Self.processLimit(limits.maxProcesses))
        var variables = environment(for: job, in: workspace)
        if let gatewaySocket, let session = job.gateway { variables.merge(session.variables(socket: gatewaySocket)) { $1 } }
        let process = SupervisedProcess(
            executable: Self.prlimit, arguments: rlimits + argv, environment: variables,
            workingDirectory: job.problemDirectory.path, stdout: workspace.output("stdout"), stderr: workspace.output("stderr"),
            timeout: limits.timeout, outputLimit: nil)
        let ending = try await process.run()
        try Task.checkCancellation()
        let termination: SandboxOutcome.Termination
        switch (ending.stopped, ending.exit) {
        case (.timeout?, _), (_, nil): termination = .timedOut
        case (_, .exited(let code)?): termination = .exited(code)
        case (_, .signaled(let signal)?): termination = .signaled(signal)
        }
        let stdout = readTail(of: workspace.output("stdout"), limit: limits.outputBytes)
        let stderr = readTail(of: workspace.output("stderr"), limit: limits.outputBytes)
        return SandboxOutcome(
            termination: termination, stdout: stdout.text, stderr: stderr.text, resultFile: workspace.resultFile(limit: 1 << 20),
            duration: ending.duration, outputTruncated: stdout.truncated || stderr.truncated)
    }

    /// Nothing of evolve's own environment but what the evaluator needs; the evaluator
    /// environment needs no binding here, only its `bin` first on `PATH` and its variables.
    func environment(for job: SandboxJob, in workspace: Workspace) -> [String: String] {
        Self.environment(for: job, evalDirectory: workspace.evalDirectory.path, searchPath: searchPath)
    }

    /// The same for an evaluation whose writable directory is `evalDirectory` (the Slurm
    /// backend's, on the shared path).
    static func environment(for job: SandboxJob, evalDirectory: String, searchPath: String) -> [String: String] {
        var variables = [
            "PATH": job.searchPath(before: searchPath),
            "HOME": evalDirectory,
            "TMPDIR": evalDirectory,
            "LANG": "C.UTF-8",
            "EVOLVE_EVAL_DIR": evalDirectory,
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
        ]
        for (name, value) in job.variables { variables[name] = value }
        return variables
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
            try job.writeCandidate(into: candidate)
        } catch {
            throw SandboxError(.setupFailed, "could not prepare \(self.root.path): \(error.localizedDescription)")
        }
    }

    func output(_ name: String) -> URL { root.appendingPathComponent(name) }

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
