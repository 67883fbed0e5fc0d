import EvolveCore
import EvolveLLM
import Foundation
import Testing

/// What the model is shown of a multi-file program.
@Suite struct TreePromptTests {
    static let start = ProgramTree(files: [
        "src/rank.py": "# EVOLVE-BLOCK-START\ndef rank(x):\n    return x\n# EVOLVE-BLOCK-END\n",
        "src/plan.py": "def plan(xs):\n    return sorted(xs)\n",
        "src/types.py": "TYPE = 'READ-ONLY-CONTENT'\n",
        "src/big.py": String(repeating: "# filler line of a long module\n", count: 900),
    ])

    static func problem(mode: Mutation.Mode = .diff) -> Problem {
        var configuration = ProblemConfiguration(description: "Order the items.", program: "project", search: SearchConfiguration(mode: mode))
        configuration.files = FilePolicy(mutable: ["src/*.py"], immutable: ["src/types.py"])
        configuration.language = "python"
        return Problem(directory: URL(fileURLWithPath: "/tmp/project"), configuration: configuration, initialProgram: start.encoded)
    }

    func prompt(_ tree: ProgramTree, mode: Mutation.Mode = .diff) -> (system: String, user: String) {
        let parent = Program(
            id: ProgramID("p"), parentID: nil, origin: .mutation, iteration: 1, island: 0, generation: 1, code: tree.encoded,
            result: EvaluationResult(status: .success, score: 1), features: [:])
        let messages = PromptBuilder(problem: Self.problem(mode: mode)).messages(for: Selection(parent: parent, topPrograms: [], inspirations: [], island: 0))
        return (messages.first?.content ?? "", messages.last?.content ?? "")
    }

    @Test("the listing marks the files that may change; read-only files are named, not shown; the answer form asks for paths")
    func listing() {
        let (system, user) = prompt(Self.start)
        #expect(user.contains("* src/rank.py (5 lines)") && user.contains("  src/types.py (2 lines)"))
        #expect(!user.contains("READ-ONLY-CONTENT"))
        #expect(user.contains("src/plan.py\n```python\ndef plan(xs):"))
        #expect(user.contains("for each file you change, put its path on a line of its own"))
        #expect(system.contains("Only the files marked * may change"))
        #expect(!system.contains("Everything outside those markers is fixed"))
        #expect(prompt(Self.start, mode: .rewrite).user.contains("the file's complete new text in one fenced code block"))
    }

    @Test("the parent's changes against the start come first as a diff, its changed file is shown first, and a file past the excerpt limit is named, not shown")
    func changesAndTrimming() throws {
        var tree = Self.start
        tree.files["src/plan.py"] = "def plan(xs):\n    return sorted(xs, reverse=True)\n"
        let user = prompt(tree).user
        #expect(user.contains("Its changes against the starting program:\n```diff\n--- src/plan.py\n"))
        #expect(user.contains("\n-    return sorted(xs)\n") && user.contains("\n+    return sorted(xs, reverse=True)\n"))
        #expect(user.contains("* src/plan.py (3 lines, changed)"))
        let plan = try #require(user.range(of: "src/plan.py\n```python"))
        let rank = try #require(user.range(of: "src/rank.py\n```python"))
        #expect(plan.lowerBound < rank.lowerBound)
        #expect(user.contains("(Not shown, to fit the prompt: src/big.py.)"))
    }

    @Test("a crossover of two trees shows both, each with its own changes against the start")
    func crossover() {
        var first = Self.start
        first.files["src/plan.py"] = "def plan(xs):\n    return sorted(xs)  # FIRST-PARENT\n"
        var second = Self.start
        second.files["src/rank.py"] = "# EVOLVE-BLOCK-START\ndef rank(x):\n    return -x  # SECOND-PARENT\n# EVOLVE-BLOCK-END\n"
        func program(_ id: String, _ tree: ProgramTree) -> Program {
            Program(
                id: ProgramID(id), parentID: nil, origin: .mutation, iteration: 1, island: 0, generation: 1, code: tree.encoded,
                result: EvaluationResult(status: .success, score: 1), features: [:])
        }
        var selection = Selection(parent: program("a", first), topPrograms: [], inspirations: [], island: 0)
        selection.secondParent = program("b", second)
        let user = PromptBuilder(problem: Self.problem()).messages(for: selection, kind: .crossover).last?.content ?? ""
        #expect(user.contains("+    return sorted(xs)  # FIRST-PARENT") && user.contains("+    return -x  # SECOND-PARENT"), "\(user.prefix(3000))")
        #expect(user.contains("for each file you change, put its path on a line of its own"))
    }
}
