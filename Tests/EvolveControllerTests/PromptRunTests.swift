import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

/// The prompts a real run sends: previous attempts from the store of the run, and trimming to a
/// small `llm.context_length` recorded in the stored prompt.
@Suite("Prompts of a run", .serialized)
struct PromptRunTests {
    /// Runs knapsack for `iterations` on a loopback model whose every answer adds a numbered
    /// comment; returns the user messages sent and the stored prompts of each iteration's first attempt.
    func run(_ problem: Problem, in directory: TemporaryDirectory) async throws -> (sent: [String], stored: [String], tokens: [Int]) {
        let server = try await LoopbackLLMServer.start { .answer(KnapsackAnswers.variant($0.index)) }
        let store = try await SQLiteProgramStore(path: directory.url.appendingPathComponent("run-\(UUID().uuidString.prefix(6)).sqlite").path)
        let controller = Controller(
            problem: problem, llm: OllamaClient(configuration: .init(endpoint: server.url, model: LLMConfiguration.defaultModel), logger: testLogger),
            sandbox: ProcessSandbox(configuration: .init(), logger: testLogger), store: store, settings: RunSettings(problem.configuration),
            logger: testLogger)
        _ = try await controller.run(runDirectory: directory.url.path)
        await server.shutdown()
        var stored: [String] = []
        for iteration in 1...problem.configuration.search.iterations {
            stored += try await store.attempts(iteration: iteration).prefix(1).map(\.prompt)
        }
        let budget = PromptBuilder(problem: problem).budget
        let tokens = server.requests.map { request in budget.tokens(request.messages.map { ChatMessage(.user, $0.content) }) }
        return (server.requests.map { $0.messages.last?.content ?? "" }, stored, tokens)
    }

    @Test("later prompts list the earlier children with their comment and score, and end with the current program and the task")
    func previousAttempts() async throws {
        let (directory, problem, _) = try slowKnapsack(sleep: 0, iterations: 4, modelConcurrency: 1, evaluationConcurrency: 1)
        defer { directory.remove() }
        let (sent, _, _) = try await run(problem, in: directory)
        #expect(sent.count == 4)
        #expect(!(sent.first ?? "").contains("## Previous attempts"), "nothing was tried before the first prompt")
        let last = sent.last ?? ""
        #expect(last.contains("## Previous attempts on this island"))
        #expect(last.contains("comment \"variant 1\""), "\(last)")
        #expect(last.contains("did not beat its parent (249)"))
        for user in sent {
            let code = user.range(of: "The current program, in full:")?.lowerBound
            let task = user.range(of: "## What to do")?.lowerBound
            #expect(code != nil && task != nil && code! < task!)
            #expect(!user.contains("(Left out"))
        }
    }

    @Test("with a context that fits only the first prompt, later ones leave sections out, say so, and keep the program and the task")
    func trimmedRun() async throws {
        let (directory, base, _) = try slowKnapsack(sleep: 0, iterations: 4, modelConcurrency: 1, evaluationConcurrency: 1)
        defer { directory.remove() }
        // The first prompt's size, by the same estimate the run uses, sets a budget a little above it.
        var once = base
        once.configuration.search.iterations = 1
        let firstTokens = try #require(try await run(once, in: directory).tokens.first)
        var problem = base
        problem.configuration.llm.maxTokens = 256
        problem.configuration.llm.contextLength = 256 + firstTokens + 40
        let (sent, stored, tokens) = try await run(problem, in: directory)
        #expect(sent.count == 4)
        let trimmed = sent.filter { $0.hasPrefix("(Left out to fit the model's context: ") }
        #expect(!trimmed.isEmpty, "no prompt was trimmed")
        for user in sent {
            #expect(user.contains("# EVOLVE-BLOCK-END") && user.contains("## What to do"), "the program or the task is missing")
        }
        #expect(tokens.allSatisfy { $0 <= firstTokens + 40 }, "over the budget: \(tokens) > \(firstTokens + 40)")
        #expect(stored.filter { $0.contains("[user]\n(Left out to fit the model's context: ") }.count == trimmed.count, "the stored prompts record it")
    }
}
