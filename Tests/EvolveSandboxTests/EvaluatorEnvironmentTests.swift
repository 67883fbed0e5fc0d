import EvolveCore
import EvolveTesting
import Foundation
import Synchronization
import Testing

@testable import EvolveSandbox

/// A virtual environment without pip (no network needed), made with /usr/bin/python3.
func makeVirtualEnvironment(in directory: URL) async throws -> EvaluatorEnvironment {
    let root = directory.appendingPathComponent("venv")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    process.arguments = ["-I", "-m", "venv", "--copies", "--without-pip", root.path]
    try process.run()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "python3 -m venv failed (install python3-venv)")
    return try await EvaluatorEnvironment.existing(at: root, origin: "test", logger: testLogger)
}

/// Collects progress lines.
final class ProgressLines: Sendable {
    private let lines = Mutex<[String]>([])
    func add(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

@Suite("Evaluator environments", .serialized)
struct EvaluatorEnvironmentTests {
    /// The evaluator reports which interpreter it runs on and what it can import.
    static let evaluate = """
        import json, os, sys
        try:
            import six
            six_file = six.__file__
        except ImportError:
            six_file = ""
        print(json.dumps({"score": 1, "metrics": {"prefix": sys.prefix, "six": six_file,
            "virtual_env": os.environ.get("VIRTUAL_ENV", ""), "path": os.environ["PATH"]}}))
        """

    @Test(
        "an existing venv (environment.python) is bound with its base interpreter's standard library",
        .enabled(if: TestEnvironment.runsVenvTests, "needs python3-venv"))
    func existingEnvironment() async throws {
        let outside = try TemporaryDirectory(prefix: "evolve-env-existing")
        defer { outside.remove() }
        let environment = try await makeVirtualEnvironment(in: outside.url)
        #expect(environment.readOnlyPaths.first == environment.root.path)
        #expect(environment.readOnlyPaths.contains { $0.hasPrefix("/usr/lib/python3") }, "\(environment.readOnlyPaths)")
        #expect(environment.variables["VIRTUAL_ENV"] == environment.root.path)
        // Given as the interpreter's path, it is the same environment.
        let viaInterpreter = try await EvaluatorEnvironment.existing(
            at: environment.root.appendingPathComponent("bin/python3"), origin: "test", logger: testLogger)
        #expect(viaInterpreter.root == environment.root)
        await #expect(throws: EnvironmentError.self) {
            try await EvaluatorEnvironment.existing(at: outside.url, origin: "test", logger: testLogger)
        }

        for (name, sandbox) in try Self.sandboxes(scratch: outside.url) {
            let result = try await Self.evaluate(on: sandbox, environment: environment)
            #expect(result.status == .success, "\(name): \(result.failureReason ?? "") \(result.stderrTail)")
            #expect(result.metrics["prefix"] == .string(environment.root.path), "\(name): \(result.metrics)")
            #expect(result.metrics["virtual_env"] == .string(environment.root.path), "\(name)")
            await sandbox.shutdown()
        }
    }

    /// The newest pyenv interpreter (3.10 or later) in ~/.pyenv/versions, if there is one. CI
    /// installs no pyenv, so this test is skipped there too.
    static var pyenvInterpreter: URL? {
        let versions = URL(fileURLWithPath: NSHomeDirectory()).appendingPathComponent(".pyenv/versions")
        let candidates = ((try? FileManager.default.contentsOfDirectory(atPath: versions.path)) ?? []).filter { $0.hasPrefix("3.1") }.sorted()
        return candidates.last.map { versions.appendingPathComponent($0) }
    }

    @Test(
        "a venv on an interpreter outside /usr (pyenv's) is bound with that interpreter's whole prefix",
        .enabled(if: EvaluatorEnvironmentTests.pyenvInterpreter != nil, "needs a pyenv interpreter (3.10 or later) under ~/.pyenv/versions"))
    func interpreterOutsideUsr() async throws {
        let base = try #require(Self.pyenvInterpreter)
        let outside = try TemporaryDirectory(prefix: "evolve-env-pyenv")
        defer { outside.remove() }
        let root = outside.url.appendingPathComponent("venv")
        let process = Process()
        process.executableURL = base.appendingPathComponent("bin/python3")
        process.arguments = ["-I", "-m", "venv", "--without-pip", root.path]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        let environment = try await EvaluatorEnvironment.existing(at: root, origin: "test", logger: testLogger)
        #expect(environment.readOnlyPaths == [root.path, base.path], "\(environment.readOnlyPaths)")
        for (name, sandbox) in try Self.sandboxes(scratch: outside.url) {
            let result = try await Self.evaluate(on: sandbox, environment: environment)
            #expect(result.status == .success, "\(name): \(result.failureReason ?? "") \(result.stderrTail)")
            #expect(result.metrics["prefix"] == .string(root.path), "\(name): \(result.metrics)")
            await sandbox.shutdown()
        }
    }

    @Test(
        "needs PyPI: a package PyPI does not have stops the build with its name and the log; nothing half-built stays",
        .enabled(if: TestEnvironment.runsVenvTests, "needs python3-venv"))
    func missingPackage() async throws {
        let cache = try TemporaryDirectory(prefix: "evolve-env-cache")
        let problem = try TemporaryDirectory(prefix: "evolve-env-missing")
        defer {
            cache.remove()
            problem.remove()
        }
        let package = "evolve-no-such-package-\(UUID().uuidString.prefix(8).lowercased())"
        try problem.write(["requirements.txt": "six\n\(package)==1.0\n"])
        // A build left by an evolve that was killed (its pid no longer runs) is swept.
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        try FileManager.default.createDirectory(
            at: cache.url.appendingPathComponent(".building-0123456789abcdef01234567-\(finished.processIdentifier)-42/bin"), withIntermediateDirectories: true)
        let progress = ProgressLines()
        let started = Date()
        do {
            _ = try await EnvironmentCache(directory: cache.url).environment(
                requirements: problem.url.appendingPathComponent("requirements.txt"), interpreter: "/usr/bin/python3",
                progress: progress.add, logger: testLogger)
            Issue.record("the build succeeded")
        } catch {
            print("environment: missing package failed in \(String(format: "%.1f", Date().timeIntervalSince(started))) s: \(error)")
            #expect(error.code == .buildFailed)
            #expect(error.message.contains("`\(package)"), "\(error)")
            #expect(error.message.contains("PyPI has no package"), "\(error)")
            let log = try #require(error.logFile)
            #expect(error.message.contains(log))
            #expect(try String(contentsOfFile: log, encoding: .utf8).contains("No matching distribution found for \(package)"))
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: cache.url.path)
        #expect(left.allSatisfy { $0.hasSuffix(".log") }, "left in the cache: \(left)")
        #expect(progress.all.contains { $0.contains("building from requirements.txt") }, "\(progress.all)")
    }

    @Test(
        "needs PyPI: an environment from requirements.txt is built once (two at once included), reused, and is python3 in every backend",
        .enabled(if: TestEnvironment.runsVenvTests, "needs python3-venv"))
    func buildAndReuse() async throws {
        let cache = try TemporaryDirectory(prefix: "evolve-env-cache")
        let problem = try TemporaryDirectory(prefix: "evolve-env-build")
        let scratch = try TemporaryDirectory(prefix: "evolve-env-scratch")
        defer {
            cache.remove()
            problem.remove()
            scratch.remove()
        }
        try problem.write([
            "requirements.txt": "six==1.16.0\n",
            "evolve.yaml": "program: candidate.py\nevaluator:\n  command: python3 evaluate.py {program}\n",
            "candidate.py": "x = 1\n", "evaluate.py": Self.evaluate,
        ])
        let loaded = try Problem.load(from: problem.url)
        let progress = ProgressLines()
        let environmentCache = EnvironmentCache(directory: cache.url)
        let started = Date()
        async let first = EvaluatorEnvironment.prepare(for: loaded, cache: environmentCache, progress: progress.add, logger: testLogger)
        async let second = EvaluatorEnvironment.prepare(for: loaded, cache: environmentCache, progress: { _ in }, logger: testLogger)
        let (built, twin) = try await (first, second)
        let buildSeconds = Date().timeIntervalSince(started)
        let environment = try #require(built)
        #expect(twin?.root == environment.root)
        #expect(environment.root.deletingLastPathComponent().path == cache.url.path)
        #expect(progress.all.contains { $0.contains("pip: Collecting six") }, "\(progress.all)")
        #expect(progress.all.contains { $0.contains("ready in") }, "\(progress.all)")
        #expect(FileManager.default.fileExists(atPath: cache.url.appendingPathComponent(environment.root.lastPathComponent + ".log").path))
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache.url.path).filter { !$0.hasSuffix(".log") }
        #expect(entries == [environment.root.lastPathComponent], "\(entries)")

        let again = Date()
        let reused = try await EvaluatorEnvironment.prepare(for: loaded, cache: environmentCache, logger: testLogger)
        let reuseSeconds = Date().timeIntervalSince(again)
        print("environment: built six in \(String(format: "%.1f", buildSeconds)) s (two at once), reused in \(String(format: "%.2f", reuseSeconds)) s")
        #expect(reused == environment)
        #expect(reuseSeconds < buildSeconds)

        for (name, sandbox) in try Self.sandboxes(scratch: scratch.url) {
            let result = try await Evaluator(sandbox: sandbox, problem: loaded, environment: environment).evaluate("x = 2\n")
            #expect(result.status == .success, "\(name): \(result.failureReason ?? "") \(result.stderrTail)")
            #expect(result.metrics["prefix"] == .string(environment.root.path), "\(name): \(result.metrics)")
            if case .string(let six) = result.metrics["six"] {
                #expect(six.hasPrefix(environment.root.path), "\(name): six from \(six)")
            } else {
                Issue.record("\(name): six is not importable")
            }
            await sandbox.shutdown()
        }
    }

    @Test("pip's failures read as the package and the kind of failure")
    func pipFailures() {
        let missing = PipFailure(log: """
            Collecting nosuchpkg==1.0
            ERROR: Could not find a version that satisfies the requirement nosuchpkg==1.0 (from versions: none)
            ERROR: No matching distribution found for nosuchpkg==1.0
            """)
        #expect(missing.kind == .notFound && missing.package == "nosuchpkg==1.0")
        let offline = PipFailure(log: """
            WARNING: Retrying (Retry(total=1, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object>: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')': /simple/numpy/
            ERROR: Could not find a version that satisfies the requirement numpy (from versions: none)
            ERROR: No matching distribution found for numpy
            """)
        #expect(offline.kind == .network && offline.package == "numpy")
        #expect(offline.summary.contains("no network"))
        let compile = PipFailure(log: """
            Collecting broken-ext
            Building wheels for collected packages: broken-ext
              Building wheel for broken-ext (setup.py): finished with status 'error'
              error: subprocess-exited-with-error
              ext.c:1:10: fatal error: missing.h: No such file or directory
              src/ext.c:3:1: error: unknown type name 'foo'
            ERROR: Failed building wheel for broken-ext
            """)
        #expect(compile.kind == .buildFailed && compile.package == "broken-ext")
        #expect(compile.summary.contains("unknown type name"), "\(compile.summary)")
        let invalid = PipFailure(log: "ERROR: Invalid requirement: 'six==='\n")
        #expect(invalid.kind == .invalidRequirement && invalid.package == "six===")
    }

    /// The process backend, and gVisor (fresh and reused sandboxes) where runsc runs.
    static func sandboxes(scratch: URL) throws -> [(String, any Sandbox)] {
        var sandboxes: [(String, any Sandbox)] = [("process", ProcessSandbox(configuration: .init(temporaryRoot: scratch), logger: testLogger))]
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/runsc"), getuid() == 0 {
            let root = scratch.appendingPathComponent("gvisor")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            sandboxes.append(("gvisor", GVisorSandbox(configuration: .init(temporaryRoot: root), logger: testLogger)))
            sandboxes.append(("gvisor reused", GVisorSandbox(configuration: .init(SandboxConfiguration(gvisor: .init(reuse: 10)), temporaryRoot: root), logger: testLogger)))
        } else if ProcessInfo.processInfo.environment["CI"] != nil {
            Issue.record("CI must run the environment tests through gVisor: install runsc and run as root")
        }
        return sandboxes
    }

    static func evaluate(on sandbox: any Sandbox, environment: EvaluatorEnvironment) async throws -> EvaluationResult {
        let problem = try TemporaryDirectory(prefix: "evolve-env-problem")
        defer { problem.remove() }
        try problem.write([
            "evolve.yaml": "program: candidate.py\nevaluator:\n  command: [python3, evaluate.py, '{program}']\n",
            "candidate.py": "x = 1\n", "evaluate.py": Self.evaluate,
        ])
        return try await Evaluator(sandbox: sandbox, problem: Problem.load(from: problem.url), environment: environment).evaluate("x = 2\n")
    }
}
