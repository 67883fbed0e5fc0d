import EvolveCore
import EvolveLLM
import Foundation
import Testing

/// What the model is shown.
@Suite struct PromptBuilderTests {
    static let description = "Choose items for a knapsack of capacity 50 so that their total value is as large as possible."

    /// A program whose fixed lines (outside the EVOLVE-BLOCK) are easy to spot.
    static func code(_ region: String) -> String {
        """
        import math  # FIXED-HEADER
        # EVOLVE-BLOCK-START
        \(region)
        # EVOLVE-BLOCK-END
        print(solve())  # FIXED-FOOTER

        """
    }

    static func problem(
        goal: Goal = Goal(direction: .maximize, target: 300), mode: Mutation.Mode = .diff, program: String = "knapsack.py",
        templates: [String: String] = [:], showWorsePrograms: Bool = false
    ) -> Problem {
        let search = SearchConfiguration(mode: mode, showWorsePrograms: showWorsePrograms)
        let configuration = ProblemConfiguration(description: description, program: program, goal: goal, search: search)
        return Problem(
            directory: URL(fileURLWithPath: "/tmp/knapsack"), configuration: configuration,
            initialProgram: code("def solve():\n    return 0"), templates: templates)
    }

    static func program(
        _ id: String, region: String, score: Double? = nil, status: EvaluationResult.Status = .success,
        metrics: [String: JSONValue] = [:], features: [String: Double] = [:], failureReason: String? = nil,
        stderr: String = "", artifacts: [String: JSONValue] = [:]
    ) -> Program {
        Program(
            id: ProgramID(id), parentID: nil, origin: .mutation, iteration: 1, island: 0, generation: 1, code: code(region),
            result: EvaluationResult(
                status: status, score: score, failureReason: failureReason, metrics: metrics, artifacts: artifacts, stderrTail: stderr),
            features: features)
    }

    static let parent = program(
        "parent", region: "def solve():\n    return greedy()  # PARENT-REGION", score: 275,
        metrics: ["value": .number(275), "weight": .number(49), "status": .string("feasible")],
        features: ["length": 120, "nesting": 2, "eval_time": 0.25])

    static func selection(parent: Program = parent, top: [Program] = [], inspirations: [Program] = []) -> Selection {
        Selection(parent: parent, topPrograms: top, inspirations: inspirations, island: 0)
    }

    func messages(_ problem: Problem = problem(), _ selection: Selection = selection(), mode: Mutation.Mode? = nil) -> (system: String, user: String) {
        let messages = PromptBuilder(problem: problem, mode: mode).messages(for: selection)
        #expect(messages.map(\.role) == [.system, .user])
        return (messages.first?.content ?? "", messages.last?.content ?? "")
    }

    func occurrences(of needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    // MARK: - System message

    struct GoalCase: Sendable, CustomTestStringConvertible {
        var goal: Goal
        var says: [String]
        var avoids: [String]
        var testDescription: String { "\(goal.direction.rawValue), target \(goal.target.map { String($0) } ?? "none")" }
    }

    static let goals: [GoalCase] = [
        GoalCase(goal: Goal(direction: .maximize, target: 300), says: ["higher scores are better", "a score of 300"], avoids: ["lower scores"]),
        GoalCase(goal: Goal(direction: .minimize, target: 12.5), says: ["lower scores are better", "a score of 12.5"], avoids: ["higher scores"]),
        GoalCase(goal: Goal(direction: .maximize), says: ["higher scores are better"], avoids: ["lower scores", "The goal is a score"]),
        GoalCase(goal: Goal(direction: .minimize, target: 0), says: ["lower scores are better", "a score of 0."], avoids: ["higher scores"]),
    ]

    @Test("the system message carries the description, the goal and the language", arguments: goals)
    func systemMessage(_ goalCase: GoalCase) {
        let (system, user) = messages(Self.problem(goal: goalCase.goal))
        #expect(system.contains(Self.description))
        for phrase in goalCase.says { #expect(system.contains(phrase), "missing \(phrase)") }
        for phrase in goalCase.avoids { #expect(!system.contains(phrase), "should not say \(phrase)") }
        #expect(system.contains("python"))
        #expect(system.contains("EVOLVE-BLOCK-START") && system.contains("EVOLVE-BLOCK-END"))
        #expect(!system.contains("{{"), "an unfilled placeholder is left: \(system)")
        #expect(!user.contains("{{"), "an unfilled placeholder is left: \(user)")
    }

    @Test("a program file without a known language still gets a readable system message")
    func unknownLanguage() {
        let (system, user) = messages(Self.problem(program: "solution.xyz"))
        #expect(system.contains("the language of the program below"))
        #expect(user.contains("```\n" + Self.parent.code.dropLast() + "\n```"))
    }

    // MARK: - The parent

    @Test("the user message shows the parent's full code, score, metrics and feature coordinates")
    func parentSection() {
        let (_, user) = messages()
        let fullCode = String(Self.parent.code.dropLast())  // without its final newline
        #expect(user.contains("```python\n\(fullCode)\n```"))
        #expect(user.contains("Score: 275"))
        #expect(user.contains("value=275"))
        #expect(user.contains("weight=49"))
        #expect(user.contains("status=feasible"))
        #expect(user.contains("length=120"))
        #expect(user.contains("nesting=2"))
        #expect(user.contains("eval_time=0.25"))
        // A successful parent without output has no "last evaluation" section.
        #expect(!user.contains("Failure:"))
        #expect(!user.contains("Standard error"))
    }

    @Test("a failed parent shows why it failed and the end of its standard error", arguments: [EvaluationResult.Status.crashed, .timeout, .invalidResult])
    func failedParent(status: EvaluationResult.Status) {
        let stderr = (1...30).map { String(format: "stderr line %02d;", $0) }.joined(separator: "\n")
        let parent = Self.program(
            "failed", region: "def solve():\n    return 1 / 0", status: status,
            failureReason: "the evaluator exited with status 1: ZeroDivisionError: division by zero", stderr: stderr)
        let (_, user) = messages(Self.problem(), Self.selection(parent: parent))
        #expect(user.contains("ZeroDivisionError: division by zero"))
        #expect(user.contains(status.rawValue), "the status of the failed parent is not named")
        #expect(!user.contains("Score: 0"))
        #expect(user.contains("stderr line 30;"))
        #expect(user.contains("stderr line 16;"))
        #expect(!user.contains("stderr line 01;"), "the whole standard error was shown, not its end")
        #expect(user.contains("```python\n" + parent.code.dropLast() + "\n```"))
    }

    @Test("the parent's artifacts are shown")
    func artifacts() {
        let parent = Self.program(
            "artifacts", region: "def solve():\n    return 2", score: 12,
            artifacts: ["chosen_items": .array([.number(1), .number(4), .number(7)]), "note": .string("capacity exceeded by 3 in case 2")])
        let (_, user) = messages(Self.problem(), Self.selection(parent: parent))
        #expect(user.contains("note: capacity exceeded by 3 in case 2"))
        #expect(user.contains("chosen_items: [1,4,7]"))
    }

    // MARK: - Other programs

    @Test("top programs and inspirations show only their EVOLVE-BLOCK text, with scores")
    func otherPrograms() {
        let top = [
            Self.parent,
            Self.program("top1", region: "def solve():\n    return dp()  # TOP-ONE", score: 300),
            Self.program("top2", region: "def solve():\n    return branch_and_bound()  # TOP-TWO", score: 290.5),
        ]
        let inspirations = [
            Self.program("insp1", region: "def solve():\n    return random_restarts()  # INSPIRATION-A", score: 100),
            Self.program("insp2", region: "def solve():\n    return annealing()  # INSPIRATION-B", score: 0.125),
        ]
        let (_, user) = messages(Self.problem(showWorsePrograms: true), Self.selection(top: top, inspirations: inspirations))
        for marker in ["TOP-ONE", "TOP-TWO", "INSPIRATION-A", "INSPIRATION-B"] {
            #expect(occurrences(of: marker, in: user) == 1, "\(marker) should be shown once")
        }
        // The parent is not repeated among the top programs.
        #expect(occurrences(of: "PARENT-REGION", in: user) == 1)
        // Fixed code and markers appear only once: in the parent's full code.
        #expect(occurrences(of: "FIXED-HEADER", in: user) == 1)
        #expect(occurrences(of: "FIXED-FOOTER", in: user) == 1)
        #expect(occurrences(of: "EVOLVE-BLOCK-START", in: user) == 1)
        #expect(user.contains("```python\ndef solve():\n    return dp()  # TOP-ONE\n```"))
        #expect(user.contains("Score 300:"))
        #expect(user.contains("Score 290.5:"))
        #expect(user.contains("Score 100:"))
        #expect(user.contains("Score 0.125:"))
        // Best first, as the database ranks them; top programs before inspirations.
        let order = ["TOP-ONE", "TOP-TWO", "INSPIRATION-A", "INSPIRATION-B"].compactMap { user.range(of: $0)?.lowerBound }
        #expect(order.count == 4 && order == order.sorted())
    }

    @Test("programs that score no better than the parent are not shown, unless search.show_worse_programs")
    func worseProgramsHidden() {
        let top = [
            Self.parent, Self.program("top1", region: "def solve():\n    return dp()  # BETTER", score: 300),
            Self.program("low", region: "def solve():\n    return 1  # WORSE-TOP", score: 1),
        ]
        let inspirations = [Self.program("insp", region: "def solve():\n    return 2  # WORSE-INSPIRATION", score: 2)]
        let (_, hidden) = messages(Self.problem(), Self.selection(top: top, inspirations: inspirations))
        #expect(hidden.contains("# BETTER"))
        #expect(!hidden.contains("WORSE-TOP") && !hidden.contains("WORSE-INSPIRATION"))
        #expect(!hidden.contains("Different approaches"), "a section with nothing to show is left out")
        let (_, shown) = messages(Self.problem(showWorsePrograms: true), Self.selection(top: top, inspirations: inspirations))
        #expect(shown.contains("WORSE-TOP") && shown.contains("WORSE-INSPIRATION"))
    }

    @Test("no top programs or inspirations means no empty sections")
    func noOtherPrograms() {
        let (_, user) = messages(Self.problem(), Self.selection(top: [Self.parent]))
        #expect(!user.contains("Best programs so far"))
        #expect(!user.contains("Different approaches"))
        #expect(!user.contains("Score none"))
    }

    @Test("a top program longer than the excerpt limit is left out whole, never cut")
    func longExcerpt() {
        let body = (0..<400).map { "    x\($0) = \($0) * 2  # padding" }.joined(separator: "\n")
        let long = Self.program("long", region: "def solve():\n" + body + "\n    return END-OF-LONG", score: 1)
        let short = Self.program("short", region: "def solve():\n    return SHORT", score: 2)
        var builder = PromptBuilder(problem: Self.problem(showWorsePrograms: true))
        builder.excerptLimit = 3000
        let prompt = builder.prompt(for: Self.selection(top: [short, long]))
        let user = prompt.messages.last?.content ?? ""
        #expect(!user.contains("x0 = 0 * 2"))
        #expect(!user.contains("END-OF-LONG"))
        #expect(user.contains("return SHORT"))
        #expect(prompt.trimmed == ["1 top program"])
        // With the default limit it fits the default context whole.
        let whole = PromptBuilder(problem: Self.problem(showWorsePrograms: true)).messages(for: Self.selection(top: [long])).last?.content ?? ""
        #expect(whole.contains("x0 = 0 * 2") && whole.contains("END-OF-LONG"))
    }

    // MARK: - Answer format

    @Test("diff mode asks for SEARCH/REPLACE blocks")
    func diffFormat() {
        let (_, user) = messages(Self.problem(mode: .diff))
        #expect(user.contains("<<<<<<< SEARCH"))
        #expect(user.contains("======="))
        #expect(user.contains(">>>>>>> REPLACE"))
        #expect(!user.contains("complete new program"))
    }

    @Test("rewrite mode asks for the whole program in a fenced block", arguments: [true, false])
    func rewriteFormat(fromConfiguration: Bool) {
        let (_, user) =
            fromConfiguration
            ? messages(Self.problem(mode: .rewrite)) : messages(Self.problem(mode: .diff), Self.selection(), mode: .rewrite)
        #expect(user.contains("complete new program"))
        #expect(user.contains("```python block"))
        #expect(!user.contains("<<<<<<< SEARCH"))
        #expect(!user.contains(">>>>>>> REPLACE"))
    }

    @Test("feedback carries every reason and the answer format again", arguments: Mutation.Mode.allCases)
    func feedback(mode: Mutation.Mode) {
        let reasons = [
            "edit 1: the SEARCH text was not found in the current program",
            "edit 2: the SEARCH text matches 2 places; include more lines",
            "edit 3: touches lines outside EVOLVE-BLOCK-START/END",
        ]
        let message = PromptBuilder(problem: Self.problem(mode: mode)).feedback(reasons: reasons)
        #expect(message.role == .user)
        for reason in reasons { #expect(message.content.contains(reason), "missing \(reason)") }
        if mode == .diff {
            #expect(message.content.contains("<<<<<<< SEARCH") && message.content.contains(">>>>>>> REPLACE"))
        } else {
            #expect(message.content.contains("complete new program"))
        }
        #expect(!message.content.contains("{{"))
    }

    // MARK: - Templates

    @Test("a problem's system template replaces the built-in one")
    func systemOverride() {
        let problem = Self.problem(templates: ["system": "TASK >> {{description}} << GOAL >> {{goal}} << LANG {{language}} {{unknown}}"])
        let (system, _) = messages(problem)
        #expect(system == "TASK >> \(Self.description) << GOAL >> higher scores are better. The goal is a score of 300. << LANG python {{unknown}}")
    }

    @Test("a problem's user, format and feedback templates replace the built-in ones")
    func otherOverrides() {
        let problem = Self.problem(templates: [
            "user": "PARENT:\n{{parent}}\nFORMAT:\n{{format}}",
            "diff_format": "Answer with a unified diff for {{language}}.",
            "feedback": "Rejected because:\n{{reasons}}\n{{format}}",
        ])
        let builder = PromptBuilder(problem: problem)
        let user = builder.messages(for: Self.selection()).last?.content ?? ""
        #expect(user.hasPrefix("PARENT:\n## Current program\nScore: 275"))
        #expect(user.contains("The current program, in full:\n```python\n" + Self.parent.code.dropLast() + "\n```\n"))
        #expect(user.hasSuffix("FORMAT:\nAnswer with a unified diff for python."))
        #expect(!user.contains("<<<<<<< SEARCH"))
        #expect(builder.feedback(reasons: ["no edits found"]).content == "Rejected because:\n- no edits found\nAnswer with a unified diff for python.")
        // Templates that are not overridden keep their built-in text.
        #expect(builder.messages(for: Self.selection()).first?.content.contains(Self.description) == true)
    }

    @Test("text that looks like a placeholder is shown as it is")
    func placeholderLookalikes() {
        // A Python f-string or a Jinja template in the program, a problem description or a
        // rejection reason quoting the model's SEARCH text may contain `{{...}}` of its own.
        let parent = Self.program(
            "templated", region: "def solve():\n    return f\"{{format}} {{inspirations}} {{top_programs}} {{last_evaluation}} {{parent}}\"",
            score: 1)
        var problem = Self.problem()
        problem.configuration.description = "Render the literal text {{goal}} and {{language}}."
        let builder = PromptBuilder(problem: problem)
        var altered: Set<String> = []
        for _ in 0..<20 {
            let messages = builder.messages(for: Self.selection(parent: parent))
            if messages.first?.content.contains(problem.configuration.description) != true { altered.insert("description") }
            if messages.last?.content.contains(String(parent.code.dropLast())) != true { altered.insert("parent code") }
            let reason = "the SEARCH text `x = \"{{format}}\"` was not found"
            if !builder.feedback(reasons: [reason]).content.contains(reason) { altered.insert("feedback reason") }
        }
        do {
            #expect(altered.isEmpty, "altered: \(altered.sorted())")
        }
    }

    @Test("transcript renders each message under its role")
    func transcript() {
        let text = PromptBuilder.transcript([
            ChatMessage(.system, "sys text"), ChatMessage(.user, "user text\nline 2"), ChatMessage(.assistant, "answer"),
        ])
        #expect(text == "[system]\nsys text\n\n[user]\nuser text\nline 2\n\n[assistant]\nanswer")
        let prompt = PromptBuilder.transcript(PromptBuilder(problem: Self.problem()).messages(for: Self.selection()))
        #expect(prompt.hasPrefix("[system]\n"))
        #expect(prompt.contains("\n\n[user]\n## Current program"))
    }
}
