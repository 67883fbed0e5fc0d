import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveTesting
import Foundation
import Testing

/// What a run made, without ids (they differ from run to run): per program its origin, iteration,
/// island, code, score and its parent's code.
struct ProgramFacts: Hashable, Codable, CustomStringConvertible {
    var origin: String
    var iteration: Int
    var island: Int
    var code: String
    var score: Double?
    var parentCode: String?

    static func of(_ programs: [Program]) -> [ProgramFacts] {
        let byID = Dictionary(uniqueKeysWithValues: programs.map { ($0.id, $0) })
        return programs.map { program in
            ProgramFacts(
                origin: program.origin.rawValue, iteration: program.iteration, island: program.island, code: program.code,
                score: program.score, parentCode: program.parentID.flatMap { byID[$0]?.code })
        }
    }

    var description: String { "\(origin) \(iteration) island \(island) score \(score.map { "\($0)" } ?? "none")" }
}

/// Runs a problem through `RunBuilder` (the same path as `evolve run`) with the process sandbox.
func runProblem(_ problem: Problem, overrides: RunOverrides = RunOverrides(sandbox: .process)) async throws -> (RunSummary, [Program]) {
    let runs = try TemporaryDirectory(prefix: "evolve-replay-run")
    defer { runs.remove() }
    var overrides = overrides
    overrides.runDirectory = runs.url.appendingPathComponent("run").path
    let builder = RunBuilder(problem: problem, overrides: overrides, logger: testLogger)
    return try await builder.withRun { run in
        let summary = try await run.execute(signals: [], logger: testLogger)
        return (summary, try await run.store.allPrograms())
    }
}

@Suite("Replaying a recorded run", .serialized)
struct ReplayRunTests {
    /// Knapsack on a loopback OpenAI server whose answers mix new children, rejected answers
    /// (fed back and retried) and the exact solution, with one request and one evaluation at a time.
    func knapsack(_ directory: TemporaryDirectory, serverURL: String) throws -> Problem {
        try directory.copyContents(of: PackagePaths.knapsackExample)
        var problem = try Problem.load(from: directory.url)
        problem.configuration.search.iterations = 10
        problem.configuration.goal.target = nil
        problem.configuration.llm.provider = .openai
        problem.configuration.llm.url = serverURL + "/v1"
        problem.configuration.llm.model = LLMConfiguration.defaultModel
        problem.configuration.llm.concurrency = 1
        problem.configuration.sandbox.concurrency = 1
        return problem
    }

    /// Answers take 0.4 s, longer than an evaluation, while replayed ones come at once; requests 3
    /// to 5 are rejected, so one iteration fails without a child. Without lockstep the replay
    /// would sample the next parent before a child the recording had already stored.
    static func script(_ request: LoopbackLLMServer.Request) -> LoopbackLLMServer.Reply {
        switch request.index {
        case 3...5: return .delayed(seconds: 0.4, .answer("I would rather not change anything."))
        case 7: return .delayed(seconds: 0.4, .answer(KnapsackAnswers.dynamicProgramming))
        default: return .delayed(seconds: 0.4, .answer(KnapsackAnswers.variant(request.index)))
        }
    }

    @Test("a run replayed from its recorded answers with no server makes the same programs, scores and best")
    func replayReproducesRun() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-replay")
        defer { directory.remove() }
        let server = try await LoopbackLLMServer.start(script: Self.script)
        var problem = try knapsack(directory, serverURL: server.url)
        problem.configuration.llm.record = "answers"
        let (recorded, original) = try await runProblem(problem)
        await server.shutdown()
        let requests = server.requests.count
        #expect(recorded.reason == .budgetSpent)
        #expect(original.filter { $0.origin == .mutation }.count >= 6)

        // A server that is gone: any request that reached a model would fail.
        problem.configuration.llm.record = nil
        problem.configuration.llm.url = "http://127.0.0.1:9/v1"
        problem.configuration.llm.replay = directory.url.appendingPathComponent("answers").path
        let (replayed, again) = try await runProblem(problem)
        #expect(ProgramFacts.of(again) == ProgramFacts.of(original))
        #expect(replayed.best?.code == recorded.best?.code)
        #expect(replayed.best?.score == recorded.best?.score)
        #expect(replayed.iterations == recorded.iterations)
        #expect(server.requests.count == requests)
    }

    @Test("a replay whose prompts differ from the recording stops with the key and the first differing message")
    func replayOfAnotherProblemFails() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-replay")
        defer { directory.remove() }
        let server = try await LoopbackLLMServer.start(script: Self.script)
        var problem = try knapsack(directory, serverURL: server.url)
        problem.configuration.search.iterations = 2
        problem.configuration.llm.record = "answers"
        _ = try await runProblem(problem)
        await server.shutdown()

        problem.configuration.llm.record = nil
        problem.configuration.llm.replay = "answers"
        problem.configuration.description = "Solve the 0/1 knapsack problem, in other words."
        problem.configuration.search.iterations = 6  // five model errors in a row stop a run
        let error = await #expect(throws: RunError.self) { try await runProblem(problem) }
        #expect(error?.message.contains("holds no answer to request") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("first differs at message 1 (system)") == true)
    }
}
