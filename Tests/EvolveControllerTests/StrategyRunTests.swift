import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

/// `search.strategy` chooses the parents of a real run (process sandbox, loopback model).
@Suite("Search strategies in a run", .serialized)
struct StrategyRunTests {
    /// Knapsack with an evaluator that scores a program by its number of `# variant` lines, so
    /// that every child of the best program is a new best.
    func run(
        _ strategy: SearchConfiguration.Strategy, iterations: Int = 8, modelConcurrency: Int = 2,
        _ configure: (inout SearchConfiguration) -> Void = { _ in }
    ) async throws -> [Program] {
        let directory = try TemporaryDirectory(prefix: "evolve-strategy")
        defer { directory.remove() }
        try directory.copyContents(of: PackagePaths.knapsackExample)
        try directory.write(["count.py": "import json, sys\nprint(json.dumps({'score': open(sys.argv[1]).read().count('# variant')}))\n"])
        var problem = try Problem.load(from: directory.url)
        problem.configuration.evaluator.command = .shell("python3 count.py {program}")
        problem.configuration.search.strategy = strategy
        problem.configuration.search.iterations = iterations
        problem.configuration.goal.target = nil
        problem.configuration.llm.concurrency = modelConcurrency
        configure(&problem.configuration.search)
        problem.configuration.sandbox.concurrency = 1
        let server = try await LoopbackLLMServer.start { .answer(KnapsackAnswers.variant($0.index)) }
        let store = try await SQLiteProgramStore(path: directory.url.appendingPathComponent("run.sqlite").path)
        let controller = Controller(
            problem: problem, llm: OllamaClient(configuration: .init(endpoint: server.url, model: LLMConfiguration.defaultModel), logger: testLogger), sandbox: ProcessSandbox(configuration: .init(), logger: testLogger),
            store: store, settings: RunSettings(problem.configuration), logger: testLogger)
        let summary = try await controller.run(runDirectory: directory.url.path)
        await server.shutdown()
        #expect(summary.reason == .budgetSpent)
        return try await store.allPrograms()
    }

    @Test("random: every child is a mutation of the starting program")
    func random() async throws {
        let programs = try await run(.random)
        let start = try #require(programs.first { $0.origin == .initial })
        let children = programs.filter { $0.origin == .mutation }
        #expect(children.count == 8)
        #expect(children.allSatisfy { $0.parentID == start.id })
        #expect(programs.filter { $0.origin == .migration }.isEmpty, "one flat archive: no island copies")
        #expect(children.allSatisfy { $0.score == 1 })
    }

    @Test("greedy: every child is a mutation of the best program so far")
    func greedy() async throws {
        // One model request at a time: a child is sampled while its elder sibling is evaluated,
        // so the best so far moves on every other iteration.
        let programs = try await run(.greedy, iterations: 12, modelConcurrency: 1)
        let start = try #require(programs.first { $0.origin == .initial })
        // The running best, in commit order: every program that was the best when it was stored.
        var bests: [Program] = [start]
        for program in programs where program.origin == .mutation {
            let parent = try #require(programs.first { $0.id == program.parentID })
            #expect(bests.contains { $0.id == parent.id }, "the parent of iteration \(program.iteration) was a best so far")
            if let score = program.score, score > bests.last!.score! { bests.append(program) }
        }
        #expect(bests.count >= 4, "the run climbs: each child of the best is a new best")
        let deepest = programs.map(\.generation).max() ?? 0
        #expect(deepest >= 4)
    }

    @Test("map_elites: children of several parents on two islands")
    func mapElites() async throws {
        let programs = try await run(.mapElites)
        #expect(programs.filter { $0.origin == .migration }.count >= 1, "the second island starts from a copy")
        #expect(Set(programs.filter { $0.origin == .mutation }.map(\.island)) == [0, 1], "iterations alternate between the islands")
    }

    @Test("weighted: parents drawn over one flat archive, none of them chosen every time")
    func weighted() async throws {
        let programs = try await run(.weighted, iterations: 10)
        let children = programs.filter { $0.origin == .mutation }
        #expect(children.count == 10)
        #expect(programs.filter { $0.origin == .migration }.isEmpty, "one flat archive: no island copies")
        let parents = Set(children.compactMap(\.parentID))
        #expect(parents.count >= 3, "children of several parents: \(parents.count)")
    }

    @Test("funsearch: two islands, the weaker one reset to a copy of the other's best")
    func funsearch() async throws {
        let programs = try await run(.funsearch, iterations: 8) { $0.funsearch.resetInterval = 4 }
        let children = programs.filter { $0.origin == .mutation }
        #expect(children.count == 8)
        #expect(Set(children.map(\.island)) == [0, 1], "iterations alternate between the islands")
        let copies = programs.filter { $0.origin == .migration }
        // The seed copy of island 1, then one reset copy after the 4th and the 8th child.
        #expect(copies.count == 3, "\(copies.map { "\($0.parentID!) → island \($0.island)" })")
        for reset in copies.dropFirst() {
            let original = try #require(programs.first { $0.id == reset.parentID })
            #expect(original.island != reset.island, "a reset copies the other island's best")
            #expect(reset.code == original.code)
        }
    }
}
