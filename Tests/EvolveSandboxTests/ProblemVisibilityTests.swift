import EvolveCore
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

@Suite("What of the problem directory a candidate may see")
struct ProblemVisibilityTests {
    static let tree = [
        "evaluate.py": "", "helper.py": "", ".env": "KEY=1", ".git/config": "", "sub/.ssh/id_rsa": "", "sub/notes.txt": "",
        "runs/20260101/evolve.sqlite": "", "data/train.csv": "", "data/raw/dump.csv": "", "data/keys/prod.key": "", "deploy.key": "",
        "docs/runs/keep.txt": "",
    ]

    func hidden(_ visibility: ProblemVisibility, extra: (URL) throws -> Void = { _ in }) throws -> [String] {
        let directory = try TemporaryDirectory(prefix: "evolve-visibility")
        defer { directory.remove() }
        try directory.write(Self.tree)
        try extra(directory.url)
        return visibility.hiddenPaths(in: directory.url)
    }

    @Test("by default dot-files and dot-folders at any depth and the top-level runs/ are hidden, nothing else")
    func defaults() throws {
        #expect(try hidden(.default) == [".env", ".git", "runs", "sub/.ssh"])
    }

    @Test("sandbox.hide adds name patterns (any depth) and path patterns")
    func hide() throws {
        #expect(try hidden(ProblemVisibility(hide: ["*.key", "data/raw/"])) == [".env", ".git", "data/keys/prod.key", "data/raw", "deploy.key", "runs", "sub/.ssh"])
    }

    @Test("sandbox.expose hides everything it does not match; dot-files stay hidden inside what it exposes")
    func expose() throws {
        let paths = try hidden(ProblemVisibility(expose: ["/evaluate.py", "data/*.csv", "/sub"]))
        #expect(paths == [".env", ".git", "data/keys", "data/raw", "deploy.key", "docs", "helper.py", "runs", "sub/.ssh"])
        // A name pattern may match at any depth, so folders stay and what does not match inside them is hidden.
        let byName = try hidden(ProblemVisibility(expose: ["evaluate.py", "*.csv"]))
        #expect(byName == [".env", ".git", "data/keys/prod.key", "deploy.key", "docs/runs/keep.txt", "helper.py", "runs", "sub/.ssh", "sub/notes.txt"])
    }

    @Test("a problem directory with 5,000 data files: only the dot-file among them is masked (the scan runs per evaluation)")
    func largeDirectory() throws {
        let directory = try TemporaryDirectory(prefix: "evolve-visibility-large")
        defer { directory.remove() }
        for folder in 0..<50 {
            let url = directory.url.appendingPathComponent("data/part\(folder)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            for file in 0..<100 { FileManager.default.createFile(atPath: url.appendingPathComponent("\(file).csv").path, contents: nil) }
        }
        try directory.write(["data/part7/.credentials": "x"])
        let clock = ContinuousClock()
        var paths: [String] = []
        let elapsed = try clock.measure { paths = ProblemVisibility.default.hiddenPaths(in: directory.url) }
        print("visibility: scanned 5,000 files in \(elapsed)")
        #expect(paths == ["data/part7/.credentials"])
    }

    @Test("a link to a hidden file is masked through its target")
    func links() throws {
        let paths = try hidden(.default) { directory in
            try "secret".write(to: directory.appendingPathComponent("plain-secret.txt"), atomically: true, encoding: .utf8)
            try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent(".token").path, withDestinationPath: "plain-secret.txt")
            try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent(".outside").path, withDestinationPath: "/etc/hostname")
        }
        #expect(paths == [".env", ".git", "plain-secret.txt", "runs", "sub/.ssh"])
    }
}
