import Foundation

/// Slurm's client commands (`srun`, `salloc`, `squeue`, `scancel`, `sinfo`), found on the
/// sandbox's `PATH` and run through `SupervisedProcess`: with the sandbox's environment only, a
/// wall clock, and their output in files of this machine whose tails are read back.
///
/// The command line is Slurm's long-standing interface: its REST API's JSON is tied to the
/// release (v0.0.38 in 22.05, v0.0.44 in 25.11), and brings no speed (batch jobs wait for the
/// same scheduler pass).
struct SlurmClient: Sendable {
    var environment: [String: String]
    /// Where the commands' output files go (this machine's disk, not the shared path).
    var scratch: URL

    /// What came of one command.
    struct Result: Sendable {
        /// Its exit status; nil when the wall clock (or a cancellation) stopped it.
        var status: Int32?
        var stdout: String
        var stderr: String
        var succeeded: Bool { status == 0 }
        /// Standard error's last line, for messages.
        var lastError: String {
            stderr.split(whereSeparator: \.isNewline).last.map(String.init) ?? "exit status \(status.map(String.init) ?? "none")"
        }
    }

    /// The full path of `tool` on `PATH`, if it is there.
    func path(of tool: String) -> String? {
        let directories = (environment["PATH"] ?? "").split(separator: ":")
        return directories.map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `tool` to its end (at most `timeout` seconds). Throws a `SandboxError` when it is not
    /// installed or cannot start.
    func run(_ tool: String, _ arguments: [String], timeout: Double = 30) async throws -> Result {
        guard let executable = path(of: tool) else {
            throw SandboxError(.unavailable, "Slurm's `\(tool)` is not on PATH (\(environment["PATH"] ?? "")): install slurm-client")
        }
        let stem = scratch.appendingPathComponent("\(tool)-\(UUID().uuidString.prefix(12))")
        let stdout = stem.appendingPathExtension("out")
        let stderr = stem.appendingPathExtension("err")
        defer {
            try? FileManager.default.removeItem(at: stdout)
            try? FileManager.default.removeItem(at: stderr)
        }
        let process = SupervisedProcess(
            executable: executable, arguments: arguments, environment: environment, workingDirectory: nil, stdout: stdout,
            stderr: stderr, timeout: timeout, outputLimit: 4 << 20)
        let ending = try await process.run()
        var status: Int32?
        if ending.stopped == nil, case .exited(let code)? = ending.exit { status = code }
        return Result(
            status: status, stdout: readTail(of: stdout, limit: 1 << 20).text, stderr: readTail(of: stderr, limit: 64 << 10).text)
    }
}
