@testable import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveTesting
import Foundation
import Testing

@Suite("search.mutations and search.meta_prompt settings")
struct MutationMixTests {
    @Test("the kinds drawn per iteration follow the configured mix, and the same seed draws the same kinds")
    func frequenciesFollowTheMix() throws {
        var search = SearchConfiguration(seed: 7)
        search.mutations = try MutationMix([.diff: 6, .rewrite: 3, .crossover: 1])
        let planner = try #require(MutationPlanner(search, mode: .diff))
        let draws = 20_000
        let kinds = (0..<draws).map { planner.kind(iteration: $0) }
        let share = { (kind: MutationKind) in Double(kinds.filter { $0 == kind }.count) / Double(draws) }
        #expect(abs(share(.diff) - 0.6) < 0.015, "diff \(share(.diff))")
        #expect(abs(share(.rewrite) - 0.3) < 0.015, "rewrite \(share(.rewrite))")
        #expect(abs(share(.crossover) - 0.1) < 0.015, "crossover \(share(.crossover))")
        #expect((0..<200).map { MutationPlanner(search, mode: .diff)?.kind(iteration: $0) } == Array(kinds.prefix(200)))
        search.seed = 8
        #expect((0..<200).map { MutationPlanner(search, mode: .diff)?.kind(iteration: $0) } != Array(kinds.prefix(200)))
        #expect(MutationPlanner(SearchConfiguration(), mode: .diff) == nil, "no mix: the run's search.mode")
    }

    @Test("shares are normalized to probabilities")
    func normalized() throws {
        let mix = try ProblemConfiguration.parse(yaml: "search:\n  mutations: {diff: 3, crossover: 1}\n", file: "evolve.yaml").search.mutations
        #expect(mix?.probabilities == [.diff: 0.75, .crossover: 0.25])
        let meta = try ProblemConfiguration.parse(yaml: "search:\n  meta_prompt: {every: 5}\n", file: "evolve.yaml").search.metaPrompt
        #expect(meta == MetaPromptConfiguration(every: 5, variants: 4))
        #expect(try ProblemConfiguration.parse(yaml: "search:\n  iterations: 3\n", file: "evolve.yaml").search.mutations == nil)
    }

    @Test("bad settings name the key and say what is wrong", arguments: [
        ("mutations: {diff: -1, rewrite: 1}", "search.mutations.diff", "at least 0"),
        ("mutations: {diff: 0, rewrite: 0}", "search.mutations.diff", "above 0"),
        ("mutations: {diff: 1, crossver: 1}", "search.mutations.crossver", "did you mean `crossover`"),
        ("meta_prompt: {every: 0}", "search.meta_prompt.every", "at least 1"),
        ("meta_prompt: {variants: 1}", "search.meta_prompt.variants", "at least 2"),
    ])
    func configurationErrors(yaml: String, key: String, words: String) {
        let error = #expect(throws: ConfigurationError.self) {
            try ProblemConfiguration.parse(yaml: "search:\n  \(yaml)\n", file: "/p/evolve.yaml")
        }
        #expect(error?.key == key, "\(String(describing: error))")
        #expect(error?.description.contains(words) == true, "\(String(describing: error))")
    }

    @Test("a crossover prompt shows both parents in full and asks for a child that combines them")
    func crossoverPrompt() throws {
        let directory = try TemporaryDirectory(prefix: "evolve-crossover")
        defer { directory.remove() }
        try directory.copyContents(of: PackagePaths.knapsackExample)
        let problem = try Problem.load(from: directory.url)
        func program(_ id: String, _ marker: String, island: Int) -> Program {
            Program(
                id: ProgramID(id), parentID: nil, origin: .mutation, iteration: 1, island: island, generation: 1,
                code: problem.initialProgram + "# \(marker)\n", result: EvaluationResult(status: .success, score: 10))
        }
        var selection = Selection(parent: program("a", "first parent", island: 0), topPrograms: [], inspirations: [], island: 0)
        selection.secondParent = program("b", "second parent", island: 1)
        let builder = PromptBuilder(problem: problem).planned(kind: .crossover, instructions: "Mind the weights.")
        let user = try #require(builder.messages(for: selection, kind: .crossover).last?.content)
        #expect(user.contains("# first parent") && user.contains("# second parent"))
        #expect(user.contains("## Second program (island 1)"))
        #expect(user.contains("combines the strengths of both"))
        #expect(user.contains("Mind the weights."))
        #expect(user.contains("<<<<<<< SEARCH"), "the run's own form: a diff against the first parent")
        let usual = try #require(builder.messages(for: selection, kind: .diff).last?.content)
        #expect(!usual.contains("# second parent") && usual.contains("Mind the weights."))
    }
}
