import EvolveCore
import Foundation
import Testing

/// Experiment specs: strict decoding with file:line errors, and overrides merged over a problem.
@Suite struct ExperimentSpecTests {
    let file = URL(fileURLWithPath: "/tmp/spec/experiment.yaml")

    func knapsack() -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/knapsack")
    }

    @Test("a spec names problems relative to itself, variants, seeds and a budget")
    func decodes() throws {
        let spec = try ExperimentSpec.parse(
            yaml: """
                problems: [../problems/knapsack]
                variants:
                  - name: greedy
                    overrides: {search: {strategy: greedy}}
                seeds: [1, 2]
                budget: {model_calls: 20, wall_clock_seconds: 600}
                model: {provider: openai, url: "http://127.0.0.1:9/v1"}
                """, file: file)
        #expect(spec.problems == [URL(fileURLWithPath: "/tmp/problems/knapsack")])
        #expect(spec.variants.map(\.name) == ["greedy"])
        #expect(spec.seeds == [1, 2])
        #expect(spec.budget == RunBudget(modelCalls: 20, wallClockSeconds: 600))
        #expect(spec.concurrency == 1)
        #expect(spec.model?.provider == .openai)
    }

    @Test("an unknown key names the file, the line and a close match")
    func unknownKey() {
        let budget = #expect(throws: ConfigurationError.self) {
            try ExperimentSpec.parse(yaml: "problems: [a]\nvariants: [{name: x}]\nbudget: {model_cals: 5}\n", file: file)
        }
        #expect(budget.map { "\($0)".hasPrefix("/tmp/spec/experiment.yaml:3: ") && "\($0)".contains("did you mean `model_calls`") } == true, "\(String(describing: budget))")
        let seeds = #expect(throws: ConfigurationError.self) {
            try ExperimentSpec.parse(yaml: "problems: [a]\nvariants: [{name: x}]\nbudget: {model_calls: 5}\nseed: [1]\n", file: file)
        }
        #expect(seeds.map { "\($0)".hasPrefix("/tmp/spec/experiment.yaml:4: ") && "\($0)".contains("did you mean `seeds`") } == true, "\(String(describing: seeds))")
    }

    @Test("a spec without a budget, or with a variant name that cannot be a folder, is refused")
    func refused() {
        #expect(throws: ConfigurationError.self) {
            try ExperimentSpec.parse(yaml: "problems: [a]\nvariants: [{name: x}]\n", file: file)
        }
        let name = #expect(throws: ConfigurationError.self) {
            try ExperimentSpec.parse(yaml: "problems: [a]\nvariants:\n  - name: x/y\nbudget: {model_calls: 5}\n", file: file)
        }
        #expect(name.map { "\($0)".contains(":3: `variants.0.name`") } == true, "\(String(describing: name))")
    }

    @Test("a variant may be a peer (openevolve, shinkaevolve); a peer takes no overrides, and an unknown peer is named")
    func peers() throws {
        let spec = try ExperimentSpec.parse(
            yaml: "problems: [a]\nvariants:\n  - name: evolve\n  - name: oe\n    peer: openevolve\n  - name: se\n    peer: shinkaevolve\nbudget: {model_calls: 5}\n",
            file: file)
        #expect(spec.variants.map(\.peer) == [nil, .openevolve, .shinkaevolve])
        #expect(ExperimentSpec.Peer.openevolve.package == ("openevolve", "0.4.0"))
        let overrides = #expect(throws: ConfigurationError.self) {
            try ExperimentSpec.parse(
                yaml: "problems: [a]\nvariants:\n  - name: oe\n    peer: openevolve\n    overrides: {search: {strategy: random}}\nbudget: {model_calls: 5}\n",
                file: file)
        }
        #expect(overrides.map { "\($0)".contains("takes no overrides") } == true, "\(String(describing: overrides))")
        let unknown = #expect(throws: ConfigurationError.self) {
            try ExperimentSpec.parse(yaml: "problems: [a]\nvariants:\n  - name: x\n    peer: funsearch\nbudget: {model_calls: 5}\n", file: file)
        }
        #expect(unknown.map { "\($0)".contains(":4:") } == true, "\(String(describing: unknown))")
    }

    @Test("variant overrides merge over the problem's evolve.yaml, and the seed sets search.seed and llm.seed")
    func merges() throws {
        let spec = try ExperimentSpec.parse(
            yaml: """
                problems: [\(knapsack().path)]
                overrides: {llm: {concurrency: 1}}
                variants:
                  - name: greedy
                    overrides:
                      search: {strategy: greedy, islands: 2}
                budget: {model_calls: 5}
                """, file: file)
        let configuration = try spec.configuration(problem: knapsack(), variant: 0, seed: 7)
        #expect(configuration.search.strategy == .greedy)
        #expect(configuration.search.islands == 2)
        #expect(configuration.search.iterations == 40, "the problem's own keys stay")
        #expect(configuration.goal.target == 275)
        #expect(configuration.search.seed == 7)
        #expect(configuration.llm.seed == 7)
        #expect(configuration.llm.concurrency == 1)
    }

    @Test("an override evolve.yaml refuses is reported at its line in the spec")
    func badOverride() throws {
        let spec = try ExperimentSpec.parse(
            yaml: """
                problems: [\(knapsack().path)]
                variants:
                  - name: fast
                    overrides:
                      search: {strategy: fastest}
                budget: {model_calls: 5}
                """, file: file)
        let error = #expect(throws: ConfigurationError.self) {
            try spec.configuration(problem: knapsack(), variant: 0, seed: 1)
        }
        #expect(
            error.map { "\($0)".hasPrefix("/tmp/spec/experiment.yaml:5: `variants.0.overrides.search.strategy`") } == true,
            "\(String(describing: error))")
    }
}
