import EvolveCore
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

/// `sandbox.toolchains`: a toolchain installed outside /usr (as rustup installs Rust) is bound
/// read-only into the sandbox, its `bin/` first on PATH and its variables set; without it the
/// evaluator cannot find the tool.
@Suite("Toolchains outside /usr", .serialized)
struct ToolchainTests {
    /// A toolchain folder with one tool: it reports its variable, and whether it could write into its own folder.
    static func toolchain(in directory: URL) throws -> URL {
        let root = directory.appendingPathComponent("toolchain")
        let bin = root.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let tool = bin.appendingPathComponent("evolve-test-tool")
        try """
            #!/bin/sh
            if touch "$TOOL_HOME/written" 2>/dev/null; then writable=1; else writable=0; fi
            printf '{"score": 1, "metrics": {"tool_home": "%s", "writable": %s}}\\n' "$TOOL_HOME" "$writable"
            """.write(to: tool, atomically: true, encoding: .utf8)
        _ = chmod(tool.path, 0o755)
        _ = chmod(root.path, 0o755)
        _ = chmod(bin.path, 0o755)
        return root
    }

    static func evaluate(on sandbox: any Sandbox, toolchains: [Toolchain], in directory: URL) async throws -> EvaluationResult {
        let problem = directory.appendingPathComponent("problem-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: problem, withIntermediateDirectories: true)
        try "program: candidate.py\nevaluator:\n  command: [evolve-test-tool, '{program}']\n"
            .write(to: problem.appendingPathComponent("evolve.yaml"), atomically: true, encoding: .utf8)
        try "x = 1\n".write(to: problem.appendingPathComponent("candidate.py"), atomically: true, encoding: .utf8)
        var loaded = try Problem.load(from: problem)
        loaded.configuration.sandbox.toolchains = toolchains
        return try await Evaluator(sandbox: sandbox, problem: loaded).evaluate("x = 2\n")
    }

    @Test("a toolchain's bin/ is on PATH and its variables are set; it is read-only under gVisor; without it the tool is missing")
    func toolchainOnPath() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-toolchain")
        defer { directory.remove() }
        let root = try Self.toolchain(in: directory.url)
        let toolchain = Toolchain(path: root.path, env: ["TOOL_HOME": root.path])
        for (name, sandbox) in try EvaluatorEnvironmentTests.sandboxes(scratch: directory.url) {
            let without = try await Self.evaluate(on: sandbox, toolchains: [], in: directory.url)
            #expect(without.status != .success, "\(name): the tool was found without its toolchain")
            let with = try await Self.evaluate(on: sandbox, toolchains: [toolchain], in: directory.url)
            #expect(with.status == .success, "\(name): \(with.failureReason ?? "") \(with.stderrTail)")
            #expect(with.metrics["tool_home"] == .string(root.path), "\(name): \(with.metrics)")
            if sandbox.isolates {
                #expect(with.metrics["writable"] == .number(0), "\(name): the toolchain must be read-only inside the sandbox")
            }
            await sandbox.shutdown()
        }
    }

    @Test("evolve.yaml takes a path or {path, env}; ~ is the home folder; a relative path or /usr is refused")
    func configuration() throws {
        let configuration = try ProblemConfiguration.parse(
            yaml: "sandbox:\n  toolchains:\n    - ~/.cargo\n    - {path: ~/.rustup, env: {RUSTUP_HOME: ~/.rustup}}\n", file: "evolve.yaml")
        let toolchains = configuration.sandbox.toolchains
        #expect(toolchains.map(\.resolvedPath) == [NSHomeDirectory() + "/.cargo", NSHomeDirectory() + "/.rustup"])
        #expect(toolchains.variables == ["RUSTUP_HOME": NSHomeDirectory() + "/.rustup"])
        for bad in ["relative/tools", "/usr"] {
            #expect(throws: ConfigurationError.self) {
                try ProblemConfiguration.parse(yaml: "sandbox:\n  toolchains: [\(bad)]\n", file: "evolve.yaml")
            }
        }
    }
}
