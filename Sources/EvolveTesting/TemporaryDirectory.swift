import Foundation

/// A fresh directory under the system's temporary folder, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let url: URL

    public init(prefix: String = "evolve-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func remove() {
        try? FileManager.default.removeItem(at: url)
    }

    /// Writes `files` (relative path → text) into the directory.
    public func write(_ files: [String: String]) throws {
        for (path, text) in files {
            let file = url.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
    }

    /// Copies the contents of `source` into the directory.
    public func copyContents(of source: URL) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) where name != "runs" {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: url.appendingPathComponent(name))
        }
    }
}

/// Paths of the package's own files, found from this source file's location.
public enum PackagePaths {
    public static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    public static var knapsackExample: URL { root.appendingPathComponent("examples/knapsack") }

    /// The built `evolve` executable: `EVOLVE_BINARY` if set, else next to the running test bundle.
    public static var evolveBinary: URL {
        if let path = ProcessInfo.processInfo.environment["EVOLVE_BINARY"] { return URL(fileURLWithPath: path) }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("evolve")
            if FileManager.default.isExecutableFile(atPath: candidate.path), !candidate.hasDirectoryPath { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/evolve")
    }
}
