import EvolveCore
import EvolveTesting
import Foundation
import Testing

/// `examples/python_package`, a multi-file program, run by `evolve run` with a scripted model whose
/// one answer changes two files of the package; the evaluator imports the candidate's folder.
@Suite("evolve run on examples/python_package (a multi-file program)", .serialized)
struct PythonPackageExampleTests {
    static let directory = PackagePaths.root.appendingPathComponent("examples/python_package")

    static let improvement = """
        Rank items by value per unit of weight, and skip an item that does not fit instead of stopping.

        ### solver/rank.py
        <<<<<<< SEARCH
            return item.value
        =======
            return item.value / item.weight
        >>>>>>> REPLACE

        ### solver/plan.py
        <<<<<<< SEARCH
                    break
        =======
                    continue
        >>>>>>> REPLACE

        ### solver/items.py
        <<<<<<< SEARCH
            value: int
        =======
            value: float
        >>>>>>> REPLACE
        """

    @Test(
        "a change across two files scores 0.989 from 0.805 through each backend; an edit of the read-only file is refused with its reason; evolve best --write exports the folder",
        .enabled(if: ExampleCase.gVisorUsable || ProcessInfo.processInfo.environment["CI"] != nil, "needs root and /usr/bin/runsc"),
        arguments: [["--sandbox", "gvisor"], ["--sandbox", "gvisor", "--warm"], ["--sandbox", "process"]])
    func improves(backend: [String]) async throws {
        let problem = try TemporaryDirectory(prefix: "evolve-python-package")
        defer { problem.remove() }
        try problem.copyContents(of: Self.directory)
        let allowed = Self.improvement.components(separatedBy: "### solver/items.py")[0]
        // The first answer also edits the read-only items.py; the next ones change only what may change.
        try await LoopbackLLMServer.with(script: { request in
            .answer(request.messages.count == 2 ? Self.improvement : allowed)
        }) { server in
            let runDirectory = problem.url.appendingPathComponent("runs/test").path
            let run = try runEvolve(
                [
                    "run", problem.url.path, "--provider", "openai", "--openai-url", server.url + "/v1", "--model-concurrency", "1",
                    "--iterations", "1", "--run-dir", runDirectory, "--quiet",
                ] + backend, environment: ["OPENAI_API_KEY": "loopback"], timeout: 600)
            #expect(run.status == 0, "stdout: \(run.stdout)\nstderr: \(run.stderr)")
            #expect(server.requests.first?.messages.last?.content.contains("* solver/plan.py") == true)
            let feedback = server.requests.dropFirst().first?.messages.last?.content ?? ""
            #expect(feedback.contains("`solver/items.py` may not be changed"), "\(feedback.prefix(600))")

            let (start, best) = try await startAndBest(runDirectory: runDirectory)
            let child = try #require(best, "no scored child; stdout: \(run.stdout)")
            #expect(start.result.score == 0.805, "\(start.result.failureReason ?? "") \(start.result.stderrTail.suffix(400))")
            #expect(child.result.score == 0.989099, "\(child.result.failureReason ?? "") \(child.result.stderrTail.suffix(400))")

            let export = problem.url.appendingPathComponent("best")
            let written = try runEvolve(["best", runDirectory, "--write", export.path])
            #expect(written.status == 0, "\(written.stderr)")
            let rank = try String(contentsOf: export.appendingPathComponent("solver/rank.py"), encoding: .utf8)
            let plan = try String(contentsOf: export.appendingPathComponent("solver/plan.py"), encoding: .utf8)
            #expect(rank.contains("item.value / item.weight") && plan.contains("continue"))
            #expect(FileManager.default.fileExists(atPath: export.appendingPathComponent("solver/items.py").path))
            let again = try runEvolve(["best", runDirectory, "--write", export.path])
            #expect(again.status != 0 && again.stderr.contains("not empty"))

            let shown = try runEvolve(["show", runDirectory, child.id.rawValue])
            #expect(shown.stdout.contains("### solver/rank.py") && shown.stdout.contains("### solver/plan.py"), "\(shown.stdout.prefix(1500))")
            #expect(!shown.stdout.contains("%file"))
            print("example python_package \(backend.joined(separator: " ")): start \(start.result.score ?? 0), scripted child \(child.result.score ?? 0), run \(String(format: "%.1f", run.seconds)) s")
        }
    }
}
