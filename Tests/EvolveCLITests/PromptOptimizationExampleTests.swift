import EvolveCore
import EvolveTesting
import Foundation
import Testing

/// `examples/prompt_optimization` run by `evolve run` through gVisor: the evaluator asks the run's
/// model, through the model gateway, the example's questions with the evolved prompt. The
/// scripted model answers a number bare only when the prompt asks for the answer alone, as a
/// chatty model would; names it answers bare either way.
@Suite("evolve run on examples/prompt_optimization", .serialized)
struct PromptOptimizationExampleTests {
    static let directory = PackagePaths.root.appendingPathComponent("examples/prompt_optimization")

    static let improvement = #"""
        Numbers come back inside sentences; ask for the answer alone.

        <<<<<<< SEARCH
        PROMPT = """You are a helpful assistant."""
        =======
        PROMPT = """You are a precise quiz solver. Reply with only the final answer: a number or a name, with no other words, units or punctuation."""
        >>>>>>> REPLACE
        """#

    @Test(
        "a scripted prompt beats the start, its questions asked through the gateway inside gVisor",
        .enabled(if: ExampleCase.gVisorUsable || ProcessInfo.processInfo.environment["CI"] != nil, "needs root and /usr/bin/runsc"))
    func improves() async throws {
        struct Item: Decodable { var question: String; var answer: String }
        let items = try JSONDecoder().decode([Item].self, from: Data(contentsOf: Self.directory.appendingPathComponent("questions.json")))
        let answers = Dictionary(uniqueKeysWithValues: items.map { ($0.question, $0.answer) })
        let problem = try TemporaryDirectory(prefix: "evolve-prompt-optimization")
        defer { problem.remove() }
        try problem.copyContents(of: Self.directory)
        try await LoopbackLLMServer.with(script: { request in
            let system = request.messages.first?.content ?? ""
            guard let question = request.messages.last?.content, let answer = answers[question] else {
                return system.contains("Improve PROMPT") ? .answer(Self.improvement) : .answer("I have no further ideas.")
            }
            let bare = system.lowercased().contains("only the final answer") || Double(answer) == nil
            return .answer(bare ? answer : "Sure! The answer is \(answer). Let me know if there is anything else.")
        }) { server in
            let scripted = try await ScriptedGatewayRun(problem: problem.url, server: server)
            let (start, child) = (scripted.start, scripted.child)
            // Three names answered bare at the start; all eight with the evolved prompt.
            #expect(start.result.score == 0.375, "\(start.result.failureReason ?? "") \(start.result.stderrTail.suffix(400))")
            #expect(child.result.score == 1.0, "\(child.result.failureReason ?? "") \(child.result.artifacts)")
            #expect(start.modelGateway?.calls == 8 && child.modelGateway?.calls == 8)
            #expect(child.modelGateway?.refused == 0)
            // The questions reached the model with the candidate's prompt, and the host's key, from the host.
            let asked = server.requests.filter { answers[$0.messages.last?.content ?? ""] != nil }
            #expect(asked.count == 16)
            #expect(asked.allSatisfy { $0.authorization == "Bearer \(ScriptedGatewayRun.hostKey)" })
            #expect(asked.contains { $0.messages.first?.content.hasPrefix("You are a precise quiz solver.") == true })
            // `evolve show` says what the child's evaluation asked of the model.
            let shown = try runEvolve(["show", scripted.directory, child.id.rawValue])
            #expect(shown.stdout.contains("model gateway: 8 calls,"), "\(shown.stdout.prefix(600))")
            print("example prompt_optimization: start \(start.result.score ?? 0), scripted child \(child.result.score ?? 0), run \(String(format: "%.1f", scripted.run.seconds)) s")
        }
    }
}
