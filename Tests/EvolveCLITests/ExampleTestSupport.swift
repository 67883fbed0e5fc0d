import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

/// One example of `examples/`: where it is, what its evaluator needs, and a scripted answer that improves it.
struct ExampleCase: Sendable, CustomTestStringConvertible {
    var name: String
    var program: String
    /// Executables the evaluator runs besides python3 (found on the sandbox's PATH, i.e. in /usr/bin).
    var tools: [String] = []
    /// Python modules /usr/bin/python3 must import (Debian's python3-numpy, ... until environments land).
    var modules: [String] = []
    var answer: String
    /// The API the scripted model speaks for this example.
    var wire: LoopbackLLMServer.WireFormat = .ollama

    var testDescription: String { name }
    var directory: URL { PackagePaths.root.appendingPathComponent("examples/\(name)") }

    static let all = [
        ExampleCase(name: "circle_packing", program: "initial_program.py", modules: ["numpy", "scipy"], answer: ExampleAnswers.circlePacking),
        ExampleCase(name: "function_minimization", program: "initial_program.py", answer: ExampleAnswers.functionMinimization),
        ExampleCase(name: "bin_packing", program: "initial_program.py", answer: ExampleAnswers.binPacking),
        ExampleCase(name: "text_classifier", program: "initial_program.py", modules: ["sklearn"], answer: ExampleAnswers.textClassifier),
        ExampleCase(name: "rust_sort", program: "initial_program.rs", tools: ["rustc"], answer: ExampleAnswers.rustSort, wire: .openai),
        ExampleCase(name: "cpp_inversions", program: "initial_program.cpp", tools: ["g++"], answer: ExampleAnswers.cppInversions, wire: .openai),
        ExampleCase(name: "js_primes", program: "initial_program.js", tools: ["node"], answer: ExampleAnswers.jsPrimes, wire: .openai),
    ]

    /// Whether this machine has what the evaluator needs in /usr (what the gVisor sandbox sees).
    var toolsInstalled: Bool {
        let python = Self.hostPython
        guard FileManager.default.isExecutableFile(atPath: python) else { return false }
        if !tools.allSatisfy({ FileManager.default.isExecutableFile(atPath: "/usr/bin/\($0)") }) { return false }
        guard !modules.isEmpty else { return true }
        let check = try? runCommand(python, ["-c", "import " + modules.joined(separator: ", ")], timeout: 60)
        return check?.status == 0
    }

    /// In CI (which installs them) always; elsewhere when every example's tools are installed.
    static let evaluatorsRunnable = ProcessInfo.processInfo.environment["CI"] != nil || all.allSatisfy(\.toolsInstalled)

    /// As `evaluatorsRunnable`, and gVisor is usable (runsc and root).
    static let endToEndRunnable = ProcessInfo.processInfo.environment["CI"] != nil || (gVisorUsable && evaluatorsRunnable)

    static var gVisorUsable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/runsc") && getuid() == 0 }

    /// The interpreter the gVisor sandbox runs as `python3`: the host's /usr/bin/python3, not a pyenv shim.
    static let hostPython = "/usr/bin/python3"

    /// Runs the example's evaluator on the host, as the sandbox would (only /usr/bin and /bin on PATH).
    func evaluate(_ candidate: URL) throws -> (report: [String: Any], result: CommandResult) {
        let result = try runCommand(
            Self.hostPython, [directory.appendingPathComponent("evaluate.py").path, candidate.path],
            environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"], workingDirectory: directory, timeout: 300)
        let last = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let report = (try? JSONSerialization.jsonObject(with: Data(last.utf8))) as? [String: Any] ?? [:]
        return (report, result)
    }
}

/// Runs `executable` with exactly `environment` (the parent's when nil), killing it after `timeout` seconds.
func runCommand(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, workingDirectory: URL? = nil, timeout: Double
) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let workingDirectory { process.currentDirectoryURL = workingDirectory }
    return try wait(for: start(process), timeout: timeout)
}

/// The initial program and the best child of the one run in `runDirectory`.
func startAndBest(runDirectory: String) async throws -> (start: Program, best: Program?) {
    let programs = try await SQLiteProgramStore(path: runDirectory + "/evolve.sqlite", readOnly: true).allPrograms()
    guard let start = programs.first(where: { $0.origin == .initial }) else { throw ExampleTestError("no initial program in \(runDirectory)") }
    let best = programs.filter { $0.origin == .mutation && $0.result.score != nil }.max { $0.result.score! < $1.result.score! }
    return (start, best)
}

/// One scripted iteration of an example whose evaluator asks the model (prompt_optimization,
/// agent_scaffold): `evolve run` on the copy at `problem`, in its default gVisor backend, with the
/// OpenAI-wire model at `server` and `hostKey` as the run's key; the run must end well and score a child.
struct ScriptedGatewayRun {
    /// The key the run's model client sends, which the gateway must use on the host and never hand in.
    static let hostKey = "loopback-host-key"
    var run: CommandResult
    var directory: String
    var start: Program
    var child: Program

    init(problem: URL, server: LoopbackLLMServer) async throws {
        directory = problem.appendingPathComponent("runs/test").path
        run = try runEvolve(
            [
                "run", problem.path, "--provider", "openai", "--openai-url", server.url + "/v1", "--model-concurrency", "1",
                "--iterations", "1", "--run-dir", directory, "--quiet",
            ], environment: ["OPENAI_API_KEY": Self.hostKey], timeout: 600)
        #expect(run.status == 0, "stdout: \(run.stdout)\nstderr: \(run.stderr)")
        let (start, best) = try await startAndBest(runDirectory: directory)
        self.start = start
        child = try #require(best, "no scored child; stdout: \(run.stdout)")
    }
}

struct ExampleTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
