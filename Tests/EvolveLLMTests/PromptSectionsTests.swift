import EvolveCore
import EvolveLLM
import Foundation
import Testing

/// The fuller prompt: previous attempts, other islands, the fitness trend, the order of the
/// sections, section templates and trimming to the context.
@Suite struct PromptSectionsTests {
    typealias Fixture = PromptBuilderTests

    static func child(
        _ id: String, of parent: Program, region: String, score: Double?, iteration: Int, island: Int = 0,
        metrics: [String: JSONValue] = [:], failure: String? = nil
    ) -> Program {
        var program = Fixture.program(
            id, region: region, score: score, status: score == nil ? .crashed : .success, metrics: metrics, failureReason: failure)
        program.parentID = parent.id
        program.iteration = iteration
        program.island = island
        return program
    }

    static let grandparent = Fixture.program("gp", region: "def solve():\n    return 0", score: 249)
    static let better = child(
        "better", of: grandparent, region: "def solve():\n    # fill by value density\n    items = sorted_items()\n    return greedy(items)",
        score: 260, iteration: 4, metrics: ["value": .number(260)])
    static let worse = child("worse", of: Fixture.parent, region: "def solve():\n    return 7", score: 12, iteration: 5)
    static let crashed = child(
        "crashed", of: Fixture.parent, region: "def solve():\n    return y", score: nil, iteration: 6,
        failure: "NameError: name 'y' is not defined")

    static func full(parent: Program = Fixture.parent) -> Selection {
        Selection(
            parent: parent,
            topPrograms: [Fixture.program("top", region: "def solve():\n    return dp()  # TOP", score: 300)],
            inspirations: [Fixture.program("diverse", region: "def solve():\n    return sa()  # DIVERSE", score: 90, features: ["length": 40])],
            island: 0,
            previousAttempts: [
                .init(program: crashed, parent: Fixture.parent), .init(program: worse, parent: Fixture.parent),
                .init(program: better, parent: grandparent),
            ],
            otherIslands: [child("far", of: grandparent, region: "def solve():\n    return bnb()  # FAR", score: 280, iteration: 2, island: 1)],
            ancestors: [better, grandparent])
    }

    func user(_ selection: Selection, _ problem: Problem = Fixture.problem(), configure: (inout PromptBuilder) -> Void = { _ in }) -> String {
        var builder = PromptBuilder(problem: problem)
        configure(&builder)
        return builder.messages(for: selection).last?.content ?? ""
    }

    @Test("the sections come in order, with the current program's code last, right before the task")
    func order() throws {
        var parent = Fixture.parent
        parent.result.artifacts = ["note": .string("all items fit")]
        let user = user(Self.full(parent: parent)) { $0.showWorsePrograms = true }
        let markers = [
            "## Previous attempts on this island", "## Best programs so far", "# TOP", "## Different approaches", "# DIVERSE",
            "## Programs from other islands", "# FAR", "## Current program", "Score: 275", "## Last evaluation",
            "The current program, in full:", "# FIXED-HEADER", "PARENT-REGION", "# FIXED-FOOTER", "## What to do",
        ]
        let positions = try markers.map { marker in try #require(user.range(of: marker), "missing \(marker)").lowerBound }
        #expect(positions == positions.sorted(), "sections out of order")
        // Nothing but the closing fence between the code and the task.
        let afterCode = try #require(user.range(of: "# FIXED-FOOTER")).upperBound
        let task = try #require(user.range(of: "## What to do")).lowerBound
        #expect(user[afterCode..<task].trimmingCharacters(in: .whitespacesAndNewlines) == "```")
        #expect(user.hasSuffix(PromptTemplates.diffFormat))
        #expect(user.contains("Island 1, score 280:"))
        #expect(user.contains("Score 90 (length=40):"))
    }

    @Test("each previous attempt says what it changed, its score and metrics, and whether it beat its parent; failed ones say why")
    func previousAttempts() throws {
        let user = user(Self.full())
        let lines = user.split(separator: "\n").map(String.init)
        let better = try #require(lines.first { $0.hasPrefix("- Iteration 4") })
        #expect(better.contains("in solve"))
        #expect(better.contains("3 lines added, 1 removed"))
        #expect(better.contains("comment \"fill by value density\""))
        #expect(better.contains("Score 260, beat its parent (249)"))
        #expect(better.contains("Metrics: value=260"))
        let worse = try #require(lines.first { $0.hasPrefix("- Iteration 5") })
        #expect(worse.contains("1 line added, 1 removed"))
        #expect(worse.contains("Score 12, did not beat its parent (275)"))
        #expect(worse.contains("It changed the current program."))
        let crashed = try #require(lines.first { $0.hasPrefix("- Iteration 6") })
        #expect(crashed.contains("Failed (crashed): NameError: name 'y' is not defined"))
        // Newest first.
        let order = ["- Iteration 6", "- Iteration 5", "- Iteration 4"].compactMap { user.range(of: $0)?.lowerBound }
        #expect(order.count == 3 && order == order.sorted())
    }

    @Test("a copy of the current program on another island is not shown again")
    func copiesOfTheParent() {
        var copy = Fixture.parent
        copy.id = ProgramID("copy")
        copy.island = 1
        var selection = Self.full()
        selection.inspirations.append(copy)
        selection.otherIslands.append(copy)
        selection.topPrograms.append(copy)
        #expect(user(selection).components(separatedBy: "PARENT-REGION").count == 2, "the parent's code is shown once")
    }

    @Test("the record shows the fitness trend of the parent's line, oldest first")
    func trend() {
        #expect(user(Self.full()).contains("Score trend of its line, oldest first: 249 → 260 → 275 (current)"))
        #expect(!user(PromptBuilderTests.selection()).contains("Score trend"), "no ancestors, no trend")
    }

    @Test("a problem's section template replaces that section only, and the task takes the instructions")
    func sectionOverride() {
        let problem = Fixture.problem(templates: [
            "previous_attempts": "PAST ({{count}}):\n{{attempts}}",
            "task": "TODO: {{instructions}}\n{{format}}",
        ])
        let user = user(Self.full(), problem)
        #expect(user.contains("PAST (3):\n- Iteration 6"))
        #expect(!user.contains("## Previous attempts on this island"))
        #expect(user.contains("TODO: \(PromptTemplates.instructions)\nSay in a sentence"))
        #expect(user.contains("## Best programs so far"), "other sections keep their built-in templates")
        let custom = PromptBuilder(problem: problem).prompt(for: Self.full(), instructions: "Make it shorter.").messages.last?.content ?? ""
        #expect(custom.contains("TODO: Make it shorter.\n"))
    }

    /// A selection with many long top programs and attempts, for a small context.
    static func crowded() -> Selection {
        var selection = full()
        let body = (0..<30).map { "    x\($0) = \($0) * 2" }.joined(separator: "\n")
        selection.topPrograms = (1...8).map { Fixture.program("top\($0)", region: "def solve():  # TOP-\($0)-START\n\(body)\n    return \($0)  # TOP-\($0)-END", score: Double(300 - $0)) }
        selection.previousAttempts += (7...16).map { .init(program: child("old\($0)", of: Fixture.parent, region: "def solve():\n    return \($0)", score: 1, iteration: 20 - $0), parent: Fixture.parent) }
        return selection
    }

    @Test("trimming keeps the prompt within a small context, drops programs whole and keeps the parent and the task")
    func trimming() throws {
        var problem = Fixture.problem()
        problem.configuration.llm.contextLength = 1500
        problem.configuration.llm.maxTokens = 300
        let builder = PromptBuilder(problem: problem)
        let untrimmed = PromptBuilder(problem: Fixture.problem()).prompt(for: Self.crowded())
        #expect(untrimmed.trimmed.isEmpty)
        #expect(untrimmed.estimatedTokens > 1200, "the test needs a selection that does not fit")
        let prompt = builder.prompt(for: Self.crowded())
        let user = prompt.messages.last?.content ?? ""
        #expect(prompt.tokenLimit == 1200)
        #expect(prompt.estimatedTokens <= 1200)
        #expect(builder.budget.tokens(prompt.messages) == prompt.estimatedTokens)
        #expect(user.contains(String(Fixture.parent.code.dropLast())), "the current program is shown whole")
        #expect(user.hasSuffix(PromptTemplates.diffFormat), "the task is kept")
        #expect(user.contains("Score: 275"))
        for index in 1...8 {
            #expect(user.contains("TOP-\(index)-START") == user.contains("TOP-\(index)-END"), "top program \(index) was cut mid-way")
        }
        // Older attempts go before any program; the best top program outlasts the worse ones.
        #expect(prompt.trimmed.first?.hasSuffix("previous attempts") == true, "\(prompt.trimmed)")
        #expect(!user.contains("TOP-8-START") || user.contains("TOP-1-START"))
        #expect(user.hasPrefix("(Left out to fit the model's context: " + prompt.trimmed.joined(separator: ", ") + ".)"))
    }

    @Test("a context too small for anything else still gets the whole current program and the task")
    func tinyContext() {
        var problem = Fixture.problem()
        problem.configuration.llm.contextLength = 256
        problem.configuration.llm.maxTokens = 200
        let prompt = PromptBuilder(problem: problem).prompt(for: Self.crowded())
        let user = prompt.messages.last?.content ?? ""
        #expect(user.contains(String(Fixture.parent.code.dropLast())))
        #expect(user.contains("## What to do"))
        #expect(!user.contains("TOP-1-START") && !user.contains("- Iteration") && !user.contains("# FAR"))
        #expect(prompt.trimmed.contains("8 top programs"))
        #expect(prompt.estimatedTokens > prompt.tokenLimit, "over the limit only because the parent and task alone are")
    }

    @Test("the token estimate is refined from the server's count of prompt tokens, not from estimated ones")
    func calibration() {
        let builder = PromptBuilder(problem: Fixture.problem())
        let messages = builder.messages(for: Self.full())
        let bytes = messages.reduce(0) { $0 + $1.content.utf8.count }
        let before = builder.budget.tokens(messages)
        #expect(builder.budget.calibration.bytesPerToken == TokenCalibration.initialBytesPerToken)
        builder.calibrate(messages, with: ChatResponse(text: "", model: "m", promptTokens: bytes / 50, duration: 0, tokensEstimated: true))
        #expect(builder.budget.tokens(messages) == before, "an estimated count teaches nothing")
        builder.calibrate(messages, with: ChatResponse(text: "", model: "m", promptTokens: bytes / 5, duration: 0))
        #expect(abs(builder.budget.calibration.bytesPerToken - 5) < 0.1)
        #expect(builder.budget.tokens(messages) < before)
        // A count far too low to be the whole prompt (a cached prefix not counted) is ignored.
        builder.calibrate(messages, with: ChatResponse(text: "", model: "m", promptTokens: bytes / 50, duration: 0))
        #expect(abs(builder.budget.calibration.bytesPerToken - 5) < 0.1)
    }
}

@Suite struct ChangeSummaryTests {
    @Test("a Python change: the function, the lines, the counts and the first comment")
    func python() {
        let parent = "import math\n\ndef solve(items):\n    total = 0\n    return total\n\nprint(solve([]))\n"
        let child = "import math\n\ndef solve(items):\n    # sort by density first\n    items = sorted(items)\n    total = sum(items)\n    return total\n\nprint(solve([]))\n"
        let summary = ChangeSummary(from: parent, to: child)
        #expect(summary.added == 3 && summary.removed == 1)
        #expect(summary.lines == 4...4)
        #expect(summary.functions == ["solve"])
        #expect(summary.comment == "sort by density first")
        #expect(summary.text == "in solve (line 4): 3 lines added, 1 removed; comment \"sort by density first\"")
    }

    @Test("a C change across two functions names both; an unchanged child says so")
    func cLike() {
        let parent = "int helper(int x) {\n    return x;\n}\n\nint solve(int n) {\n    return n;\n}\n"
        let child = "int helper(int x) {\n    return x * 2;\n}\n\nint solve(int n) {\n    return helper(n) + 1;\n}\n"
        let summary = ChangeSummary(from: parent, to: child)
        #expect(summary.functions == ["helper", "solve"])
        #expect(summary.lines == 2...6)
        #expect(summary.added == 2 && summary.removed == 2)
        #expect(ChangeSummary(from: parent, to: parent).text == "no change")
        // Statements that look like definitions are not taken for them.
        let statements = "int solve(int n) {\n    if (n > 0) {\n        n = f(n);\n    }\n    return n;\n}\n"
        #expect(ChangeSummary(from: statements, to: statements.replacingOccurrences(of: "f(n)", with: "g(n)")).functions == ["solve"])
        let script = "def solve():\n    return 1\n\nprint(solve())\nx = 1\n"
        #expect(ChangeSummary(from: script, to: script.replacingOccurrences(of: "x = 1", with: "x = 2")).functions == ["solve"])
    }
}

@Test("every built-in template, each section's included, can be overridden from prompts/NAME.md")
func everyTemplateIsOverridable() {
    #expect(Set(PromptTemplates.defaults.keys) == Set(Problem.templateNames))
}
