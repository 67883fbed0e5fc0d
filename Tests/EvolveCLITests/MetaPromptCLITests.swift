import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

@Suite("evolve best with search.meta_prompt and search.mutations", .serialized)
struct MetaPromptCLITests {
    @Test("`evolve best` shows each child's kind and instruction variant, and the instructions that led to the best program")
    func bestShowsTheInstructions() async throws {
        let problem = try knapsackProblem()
        defer { problem.remove() }
        let file = problem.url.appendingPathComponent("evolve.yaml")
        let yaml = try String(contentsOf: file, encoding: .utf8)
        #expect(yaml.contains("search:\n  iterations: 40\n"))
        try yaml.replacingOccurrences(
            of: "search:\n  iterations: 40\n",
            with: "search:\n  iterations: 8\n  strategy: random\n  mutations: {diff: 1}\n  meta_prompt: {every: 2, variants: 3}\n"
        ).write(to: file, atomically: true, encoding: .utf8)
        // Harmless variants until the first proposal (after 2 iterations); a prompt with the new
        // variant gets the dynamic-programming answer, which reaches the optimum. Every child is a
        // child of the starting program (`random`), so that answer applies.
        try await LoopbackLLMServer.with(script: { request in
            let user = request.messages.last?.content ?? ""
            if user.contains("between <instructions> and </instructions>") {
                return .answer("Variants changed nothing.\n<instructions>Replace the greedy loop with an exact method.</instructions>")
            }
            return .answer(user.contains("exact method") ? KnapsackAnswers.dynamicProgramming : KnapsackAnswers.variant(request.index))
        }) { server in
            let run = try runEvolve([
                "run", problem.url.path, "--ollama-url", server.url, "--model-concurrency", "1", "--sandbox", "process",
            ])
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(run.stdout.contains("best score 275.0"), "\(run.stdout)")

            let best = try runEvolve(["best", problem.url.path])
            #expect(best.status == 0, "stderr: \(best.stderr)")
            #expect(best.stdout.contains("· diff · instructions #2"), "\(best.stdout)")
            #expect(best.stdout.contains("instructions that led to it (newest first):"), "\(best.stdout)")
            #expect(best.stdout.contains("#2 (proposed after 2 iterations; 1 of "), "\(best.stdout)")
            #expect(best.stdout.contains("children beat their parent): Replace the greedy loop with an exact method."), "\(best.stdout)")

            let id = try #require(best.stdout.split(separator: " ").dropFirst(4).first.map { $0.trimmingCharacters(in: .punctuationCharacters) })
            let show = try runEvolve(["show", problem.url.path, id])
            #expect(show.status == 0, "stderr: \(show.stderr)")
            #expect(show.stdout.contains("mutation (diff, instructions #2), iteration"), "\(show.stdout)")
        }
    }
}
