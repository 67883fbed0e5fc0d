import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

/// The novelty check and duplicate retries in real runs: the knapsack example, the process
/// sandbox, a loopback model (and embedding) server, a real SQLite store.
@Suite("Novelty in a run", .serialized)
struct NoveltyRunTests {
    /// The greedy line of the starting program with different spacing: the same tokens, a near-copy.
    static let nearCopy = """
        Tidier spacing.

        <<<<<<< SEARCH
                    chosen.append(i)
        =======
                    chosen.append( i )
        >>>>>>> REPLACE
        """

    struct Outcome {
        var programs: [Program]
        var attempts: [AttemptRecord]
        var server: LoopbackLLMServer
        var initial: Program? { programs.first { $0.origin == .initial } }
    }

    /// Runs `iterations` iterations, one at a time, of knapsack under `strategy` with `novelty`.
    func run(
        iterations: Int = 1, strategy: SearchConfiguration.Strategy = .random, novelty: (LoopbackLLMServer) -> NoveltyConfiguration,
        embeddings: LoopbackLLMServer.Embeddings = .bagOfWords, configure: (inout ProblemConfiguration) -> Void = { _ in }, answer: @escaping @Sendable (LoopbackLLMServer.Request) -> String
    ) async throws -> Outcome {
        let directory = try TemporaryDirectory(prefix: "evolve-novelty")
        defer { directory.remove() }
        try directory.copyContents(of: PackagePaths.knapsackExample)
        var problem = try Problem.load(from: directory.url)
        problem.configuration.search.iterations = iterations
        problem.configuration.search.strategy = strategy
        problem.configuration.search.islands = 1
        problem.configuration.goal.target = nil
        problem.configuration.llm.concurrency = 1
        problem.configuration.llm.retries = 2
        problem.configuration.sandbox.concurrency = 1
        configure(&problem.configuration)
        let server = try await LoopbackLLMServer.start(embeddings: embeddings) { .answer(answer($0)) }
        problem.configuration.search.novelty = novelty(server)
        let store = try await SQLiteProgramStore(path: directory.url.appendingPathComponent("run.sqlite").path)
        let controller = Controller(
            problem: problem, llm: OllamaClient(configuration: .init(endpoint: server.url, model: LLMConfiguration.defaultModel), logger: testLogger),
            sandbox: ProcessSandbox(configuration: .init(), logger: testLogger), store: store, settings: RunSettings(problem.configuration),
            logger: testLogger)
        let summary = try await controller.run(runDirectory: directory.url.path)
        await server.shutdown()
        #expect(summary.reason == .budgetSpent)
        var attempts: [AttemptRecord] = []
        for iteration in 1...max(1, iterations) { attempts += try await store.attempts(iteration: iteration) }
        return Outcome(programs: try await store.allPrograms(), attempts: attempts, server: server)
    }

    static func firstNearCopyThenDP(_ request: LoopbackLLMServer.Request) -> String {
        request.index == 0 ? nearCopy : KnapsackAnswers.dynamicProgramming
    }

    static func embedding(_ provider: EmbeddingConfiguration.Provider) -> (LoopbackLLMServer) -> NoveltyConfiguration {
        { server in
            NoveltyConfiguration(
                method: .embedding,
                embedding: EmbeddingConfiguration(provider: provider, url: server.url + (provider == .openai ? "/v1" : ""), model: "nomic-embed-text"))
        }
    }

    @Test(
        "a near-copy is recorded as too_similar with the program it copies, the model is told, and its next answer is evaluated",
        arguments: ["ngram", "ollama", "openai"])
    func nearCopyIsRetried(method: String) async throws {
        let novelty: (LoopbackLLMServer) -> NoveltyConfiguration =
            method == "ngram" ? { _ in NoveltyConfiguration() } : Self.embedding(method == "ollama" ? .ollama : .openai)
        let outcome = try await run(novelty: novelty, answer: Self.firstNearCopyThenDP)
        let initial = try #require(outcome.initial)
        #expect(outcome.attempts.map(\.kind) == ["too_similar", nil])
        let rejected = try #require(outcome.attempts.first)
        #expect(rejected.outcome == .rejected)
        #expect(rejected.message?.contains("too close to program \(initial.id) (similarity 1.000") == true, "\(rejected.message ?? "")")
        let child = try #require(outcome.programs.first { $0.origin == .mutation })
        #expect(child.score == 275, "the second answer, dynamic programming, was evaluated")
        #expect(outcome.programs.count == 2, "the near-copy was never evaluated")
        let retry = try #require(outcome.server.requests.dropFirst().first)
        #expect(retry.messages.last?.content.contains("your change is too close to program \(initial.id)") == true)
        if method != "ngram" {
            #expect(outcome.server.embeddingRequests.allSatisfy { $0.format == (method == "openai" ? .openai : .ollama) })
            #expect(outcome.server.embeddingRequests.reduce(0) { $0 + $1.inputs.count } == 3, "each text embedded once: child, start, second child")
        }
    }

    @Test("a duplicate of an evaluated child is retried with the model told so, and the iteration goes on; each request has its own seed")
    func duplicateIsRetried() async throws {
        let outcome = try await run(iterations: 2, novelty: { _ in .off }, configure: { $0.llm.seed = 7 }) { request in
            KnapsackAnswers.variant(request.index == 2 ? 2 : 1)
        }
        let children = outcome.programs.filter { $0.origin == .mutation }
        #expect(children.count == 2, "both iterations evaluated a child")
        #expect(outcome.attempts.map(\.outcome) == [.accepted, .duplicate, .accepted])
        let duplicate = outcome.attempts[1]
        #expect(duplicate.kind == "duplicate")
        // The first child is evaluated or still being evaluated when the second iteration asks: either way, already tried.
        #expect(duplicate.message?.contains("identical to") == true && duplicate.message?.contains("which was already tried") == true)
        #expect(outcome.server.requests[2].messages.last?.content.contains("already tried") == true)
        let seeds = outcome.server.requests.map { $0.options["seed"] }
        #expect(Set(seeds.map { "\($0 as Any)" }).count == 3, "three requests, three seeds: \(seeds)")
        #expect(seeds.allSatisfy { if case .number? = $0 { return true } else { return false } })
    }

    @Test("an embedding server that fails does not stop the run: children are evaluated and the failure is logged")
    func failingEmbeddings() async throws {
        let outcome = try await run(iterations: 3, novelty: Self.embedding(.ollama), embeddings: .status(500, "no embedding model loaded")) {
            KnapsackAnswers.variant($0.index)
        }
        #expect(outcome.programs.filter { $0.origin == .mutation }.count == 3)
        #expect(outcome.attempts.allSatisfy { $0.outcome == .accepted })
        #expect(outcome.server.embeddingRequests.count >= 3, "each child was sent for embedding")
    }

    @Test(
        "the judge lets a near-copy it calls different be evaluated; an unclear verdict keeps the similarity's",
        arguments: [("yes, B uses different spacing", true), ("maybe", false)])
    func judge(verdict: String, evaluated: Bool) async throws {
        let outcome = try await run(novelty: { _ in NoveltyConfiguration(judge: true) }) { request in
            if request.messages.last?.content.contains("Is B meaningfully different from A") == true { return verdict }
            return request.messages.count > 2 ? KnapsackAnswers.dynamicProgramming : Self.nearCopy
        }
        #expect(outcome.server.requests.count == (evaluated ? 2 : 3), "answer, verdict, and after an unclear verdict a new answer")
        #expect(outcome.attempts.first?.kind == (evaluated ? nil : "too_similar"))
        let child = try #require(outcome.programs.first { $0.origin == .mutation })
        #expect(child.code.contains("chosen.append( i )") == evaluated)
    }
}
