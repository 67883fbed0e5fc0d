import Foundation

/// The built `evolve` binary running in the background (a server, a live run), its output going
/// to temporary files so that a full pipe never blocks it.
public final class EvolveProcess: @unchecked Sendable {
    public let process = Process()
    private let stdoutURL: URL
    private let stderrURL: URL

    /// Starts `evolve arguments…` with OLLAMA_HOST unset and `environment` added.
    public init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = PackagePaths.evolveBinary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["OLLAMA_HOST"] = nil
        env.merge(environment) { $1 }
        process.environment = env
        let directory = FileManager.default.temporaryDirectory
        stdoutURL = directory.appendingPathComponent("evolve-out-\(UUID().uuidString)")
        stderrURL = directory.appendingPathComponent("evolve-err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    public var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// The first `http://host:port/` address the process printed (on either stream), waiting up to `timeout` seconds.
    public func address(timeout: Double = 60) async throws -> URL? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let output = stdout + stderr
            if let range = output.range(of: #"http://[^\s/]+:[0-9]+/"#, options: .regularExpression) {
                return URL(string: String(output[range]))
            }
            if !process.isRunning { return nil }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// Waits up to `timeout` seconds for the process to end by itself; true if it did.
    public func waitForExit(timeout: Double) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        return !process.isRunning
    }

    /// Stops the process (SIGTERM, then SIGKILL after 10 s) and removes its output files.
    public func stop() {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: stdoutURL)
        try? FileManager.default.removeItem(at: stderrURL)
    }
}
