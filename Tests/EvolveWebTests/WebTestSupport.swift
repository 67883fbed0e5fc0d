import AsyncHTTPClient
import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import NIOCore
import NIOHTTP1

/// A knapsack problem copy and the run `evolve run` made in it, through a scripted loopback model.
struct KnapsackRun {
    var problem: TemporaryDirectory
    var run: URL
    var database: String { run.appendingPathComponent("evolve.sqlite").path }

    func programs() async throws -> [Program] {
        try await SQLiteProgramStore(path: database, readOnly: true).allPrograms()
    }
}

/// The arguments of `evolve run` on `problem` against `server`, in the process sandbox (these
/// tests are about the page, not the sandbox).
func runArguments(_ problem: TemporaryDirectory, server: LoopbackLLMServer, iterations: Int, name: String = "first") -> [String] {
    [
        "run", problem.url.path, "--ollama-url", server.url, "--model-concurrency", "1", "--iterations", String(iterations),
        "--sandbox", "process", "--run-dir", problem.url.appendingPathComponent("runs/\(name)").path,
    ]
}

/// Runs `evolve run` to its end on a fresh knapsack copy, the model answering with `script`;
/// `search` is a line added to the example's `search:` section.
func finishedKnapsackRun(
    iterations: Int, search: String? = nil, verified: Bool = false, script: @escaping @Sendable (Int) -> LoopbackLLMServer.Reply
) async throws -> KnapsackRun {
    let problem = try TemporaryDirectory(prefix: "evolve-web")
    try problem.copyContents(of: PackagePaths.knapsackExample)
    if verified {
        // The honest verifiers: one recheck, and the held-out instance of KnapsackAnswers.heldOutEvaluator.
        try KnapsackAnswers.heldOutEvaluator.write(to: problem.url.appendingPathComponent("holdout.py"), atomically: true, encoding: .utf8)
        let yaml = problem.url.appendingPathComponent("evolve.yaml")
        let evaluator = "evaluator:\n  command: \"python3 evaluate.py {program}\"\n"
        let text = try String(contentsOf: yaml, encoding: .utf8)
        guard text.contains(evaluator) else { throw WebDriverError("the knapsack example's evaluator section has changed") }
        try text.replacingOccurrences(of: evaluator, with: evaluator + "  recheck: 1\n  final:\n    command: python3 holdout.py {program}\n")
            .write(to: yaml, atomically: true, encoding: .utf8)
    }
    if let search {
        let yaml = problem.url.appendingPathComponent("evolve.yaml")
        let text = try String(contentsOf: yaml, encoding: .utf8)
        guard text.contains("\nsearch:\n") else { throw WebDriverError("the knapsack example has no search: section") }
        try text.replacingOccurrences(of: "\nsearch:\n", with: "\nsearch:\n  \(search)\n").write(to: yaml, atomically: true, encoding: .utf8)
    }
    try await LoopbackLLMServer.with(script: { script($0.index) }) { server in
        let run = try EvolveProcess(runArguments(problem, server: server, iterations: iterations))
        defer { run.stop() }
        guard try await run.waitForExit(timeout: 300), run.process.terminationStatus == 0 else {
            throw WebDriverError("evolve run failed: \(run.stderr)")
        }
    }
    return KnapsackRun(problem: problem, run: problem.url.appendingPathComponent("runs/first"))
}

/// The scripted knapsack run of the page tests: a rejected answer, the dynamic-programming diff
/// (249 → 275, the target), which ends the run.
func knapsackScript(_ index: Int) -> LoopbackLLMServer.Reply {
    switch index {
    case 0: return .answer(noteAnswer("note 1"))
    case 1: return .answer("<<<<<<< SEARCH\nnot in the program\n=======\nx\n>>>>>>> REPLACE")
    case 2: return .answer(noteAnswer("note 2"))
    default: return .answer(KnapsackAnswers.dynamicProgramming)
    }
}

/// Where the page tests save what they saw: `.build/screenshots/` (the test run leaves the
/// repository as it was); with EVOLVE_UPDATE_SCREENSHOTS=1, the README's own `docs/screenshots/`.
func screenshotFile(_ name: String) -> URL {
    let folder = ProcessInfo.processInfo.environment["EVOLVE_UPDATE_SCREENSHOTS"] == "1" ? "docs/screenshots" : ".build/screenshots"
    let directory = PackagePaths.root.appendingPathComponent(folder)
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent("\(name).png")
}

/// A plain request (GET by default), with its status, body and headers.
func get(_ url: String, method: String = "GET", headers: [(String, String)] = []) async throws -> (status: Int, body: String, headers: [(String, String)]) {
    var request = HTTPClientRequest(url: url)
    request.method = .init(rawValue: method)
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    let body = try await response.body.collect(upTo: 16 << 20)
    return (Int(response.status.code), String(buffer: body), response.headers.map { ($0.name, $0.value) })
}

/// An answer that adds a comment line `# note` under solve's docstring: a new child (scored 249,
/// like its parent) that keeps the greedy loop the dynamic-programming answer replaces.
func noteAnswer(_ note: String) -> String {
    let docstring = #"    """Return the indices of the chosen items; items is a list of (weight, value) tuples.""""#
    return "A note.\n\n<<<<<<< SEARCH\n\(docstring)\n=======\n\(docstring)\n    # \(note)\n>>>>>>> REPLACE\n"
}
