import EvolveCore
import EvolveTesting
import Foundation
import Testing

/// Each example of `examples/` run by `evolve run` through gVisor with a scripted model whose first
/// answer improves the starting program: the run must store a child that beats the start.
@Suite("evolve run on every example", .serialized)
struct ExamplesEndToEndTests {
    @Test(
        "a scripted improvement beats the starting program, evaluated through gVisor",
        .enabled(if: ExampleCase.endToEndRunnable, "needs root, /usr/bin/runsc and every example's tools (CI installs them)"),
        arguments: ExampleCase.all)
    func improves(example: ExampleCase) async throws {
        let problem = try TemporaryDirectory(prefix: "evolve-\(example.name)")
        defer { problem.remove() }
        try problem.copyContents(of: example.directory)
        let answer = example.answer
        try await LoopbackLLMServer.with(script: { request in
            request.index == 0 ? .answer(answer) : .answer("I have no further ideas.")
        }) { server in
            let runDirectory = problem.url.appendingPathComponent("runs/test").path
            var arguments = ["run", problem.url.path, "--model-concurrency", "1", "--iterations", "1", "--run-dir", runDirectory, "--quiet"]
            switch example.wire {
            case .ollama: arguments += ["--ollama-url", server.url]
            case .openai: arguments += ["--provider", "openai", "--openai-url", server.url + "/v1"]
            }
            let run = try runEvolve(arguments, environment: ["OPENAI_API_KEY": "loopback"], timeout: 600)
            #expect(run.status == 0, "stdout: \(run.stdout)\nstderr: \(run.stderr)")

            // The model was asked in the example's API, with the example's description in the system prompt.
            let first = try #require(server.requests.first)
            #expect(first.format == example.wire)
            let description = try String(contentsOf: example.directory.appendingPathComponent("evolve.yaml"), encoding: .utf8)
                .components(separatedBy: "description: >-\n  ").last?.prefix(30) ?? ""
            #expect(first.messages.first?.content.contains(description) == true, "system prompt: \(first.messages.first?.content.prefix(300) ?? "")")

            let (start, best) = try await startAndBest(runDirectory: runDirectory)
            let startScore = try #require(start.result.score, "the start failed: \(start.result.failureReason ?? "")")
            let child = try #require(best, "no scored child; stdout: \(run.stdout)")
            let childScore = try #require(child.result.score)
            #expect(childScore > startScore, "start \(startScore), child \(childScore)")
            if example.name == "function_minimization" {
                // The child imports a module of the problem directory, and that import worked in the sandbox.
                #expect(child.code.contains("from search_tools import pattern_search"))
            }
            if example.name == "bin_packing" {
                // The example's honest verifiers ran in the sandbox: a recheck, and the held-out instances.
                #expect(child.verification?.isStable == true, "\(child.verification?.summary ?? "not verified")")
                #expect(child.verification?.heldOutScore == 95.345273, "\(child.verification?.summary ?? "not verified")")
                #expect(start.verification?.heldOutScore == 94.537927)
            }
            print("example \(example.name): start \(startScore), scripted child \(childScore), run \(String(format: "%.1f", run.seconds)) s")
        }
    }
}
