import Foundation

/// Code in another language, kept in a file of that language and checked by its own tools.
public enum SourceChecker {
    public static let nodePath = "/usr/bin/node"

    /// Run the tests that check JavaScript with node (CI installs nodejs).
    public static var runsNodeTests: Bool { TestEnvironment.isCI || FileManager.default.isExecutableFile(atPath: nodePath) }

    /// `python3 -m py_compile`: its exit status and standard error. The bytecode goes to a
    /// temporary folder (PYTHONPYCACHEPREFIX), never into the repository.
    public static func python(_ file: URL) throws -> (status: Int32, errors: String) {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-pycache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cache) }
        return try run("/usr/bin/python3", ["-m", "py_compile", file.path], environment: ["PYTHONPYCACHEPREFIX": cache.path])
    }

    /// `node --check`: its exit status and standard error.
    public static func node(_ file: URL) throws -> (status: Int32, errors: String) {
        try run(nodePath, ["--check", file.path])
    }

    private static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
