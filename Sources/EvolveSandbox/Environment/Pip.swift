import Foundation
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs the interpreter and pip for an environment build, outside any sandbox (the build needs PyPI).
enum Pip {
    /// The build's environment: the user's (proxies, PIP_INDEX_URL), without what would make the
    /// interpreter look elsewhere for its modules.
    static var environment: [Environment.Key: String] {
        var variables: [Environment.Key: String] = [:]
        for (name, value) in ProcessInfo.processInfo.environment
        where !["PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV", "CONDA_PREFIX", "PIP_USER"].contains(name) {
            variables[Environment.Key(stringLiteral: name)] = value
        }
        variables["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        variables["PIP_NO_INPUT"] = "1"
        return variables
    }

    /// Runs `executable` with its output (both streams, at most 64 KiB) collected.
    static func capture(_ executable: String, _ arguments: [String]) async -> (succeeded: Bool, text: String) {
        do {
            let result = try await Subprocess.run(
                .path(FilePath(executable)), arguments: Arguments(arguments), environment: .custom(environment),
                output: .string(limit: 64 << 10), error: .string(limit: 64 << 10))
            return (result.terminationStatus.isSuccess, result.standardOutput + result.standardError)
        } catch {
            return (false, "\(error)")
        }
    }

    /// Runs `executable` with both streams appended to `log`; reports each line that names a step
    /// of pip's work while it runs. True when it exited with status 0.
    static func run(
        _ executable: String, _ arguments: [String], workingDirectory: URL, log: URL, step: @escaping @Sendable (String) -> Void
    ) async throws -> Bool {
        let descriptor = try FileDescriptor.open(FilePath(log.path), .writeOnly, options: [.create, .append], permissions: [.ownerReadWrite, .groupRead, .otherRead])
        defer { try? descriptor.close() }
        let start = (try? descriptor.seek(offset: 0, from: .end)) ?? 0
        return try await withThrowingTaskGroup(of: Bool?.self) { tasks in
            tasks.addTask {
                let result = try await Subprocess.run(
                    .path(FilePath(executable)), arguments: Arguments(arguments), environment: .custom(environment),
                    workingDirectory: FilePath(workingDirectory.path),
                    output: .fileDescriptor(descriptor, closeAfterSpawningProcess: false),
                    error: .fileDescriptor(descriptor, closeAfterSpawningProcess: false))
                return result.terminationStatus.isSuccess
            }
            tasks.addTask {
                var follower = LogFollower(url: log, offset: UInt64(start))
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(200))
                    follower.newLines().filter(Pip.isStep).forEach(step)
                }
                follower.newLines().filter(Pip.isStep).forEach(step)
                return nil
            }
            var succeeded = false
            while let next = try await tasks.next() {
                if let value = next {
                    succeeded = value
                    tasks.cancelAll()
                }
            }
            return succeeded
        }
    }

    /// pip's lines worth a progress line: what it collects, builds and installs.
    static func isStep(_ line: String) -> Bool {
        ["Collecting ", "Building wheel", "Installing collected packages", "Successfully installed"].contains { line.hasPrefix($0) }
    }
}

/// Reads the lines appended to a file since the last look.
struct LogFollower {
    let url: URL
    var offset: UInt64
    var partial = ""

    mutating func newLines() -> [String] {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return [] }
        defer { try? handle.close() }
        try? handle.seek(toOffset: offset)
        guard let data = try? handle.readToEnd(), !data.isEmpty else { return [] }
        offset += UInt64(data.count)
        let text = partial + String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        partial = lines.removeLast()
        return lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
