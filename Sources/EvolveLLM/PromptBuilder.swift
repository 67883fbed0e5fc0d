import EvolveCore
import Foundation

/// Builds the model's messages from a selection. The user message holds, in order: the island's
/// previous attempts, the best programs, diverse programs from other cells, programs from other
/// islands, the current program's record (score, metrics, feature coordinates, fitness trend), its
/// last evaluation, its code, and the task with the answer format. Every section is a template a
/// problem may override (PromptTemplates.swift); the sections are trimmed to fit the model's
/// context (PromptBuilder+Trimming.swift).
public struct PromptBuilder: Sendable {
    public var description: String
    public var language: String
    public var goal: Goal
    public var mode: Mutation.Mode
    public var templates: [String: String]
    /// The task's instructions when a call gives none.
    public var instructions = PromptTemplates.instructions
    /// A program whose shown text is longer than this many characters is left out whole (a
    /// program is never cut mid-way); the current program is always shown.
    public var excerptLimit = 20_000
    /// How many tokens the prompt may fill: `llm.context_length` minus `llm.max_tokens`.
    public var budget: PromptBudget
    /// `search.show_worse_programs`: show other programs that score no better than the parent.
    public var showWorsePrograms: Bool
    /// A multi-file problem's starting tree (its programs are shown per file, against it); nil for one file.
    public var startTree: ProgramTree?
    /// Which files of a tree the model may change or create.
    public var files: FilePolicy

    public init(problem: Problem, mode: Mutation.Mode? = nil) {
        description = problem.configuration.description
        language = problem.configuration.language
        goal = problem.configuration.goal
        self.mode = mode ?? problem.configuration.mode
        templates = PromptTemplates.defaults.merging(problem.templates) { _, override in override }
        budget = PromptBudget(contextLength: problem.configuration.llm.contextLength, answerTokens: problem.configuration.llm.maxTokens)
        showWorsePrograms = problem.configuration.search.showWorsePrograms
        startTree = ProgramTree(decoding: problem.initialProgram)
        files = problem.configuration.files
    }

    /// The messages for one iteration, trimmed to the budget.
    public func messages(for selection: Selection) -> [ChatMessage] {
        prompt(for: selection).messages
    }

    /// The messages with what was trimmed to fit; `instructions` replaces the task's default ones.
    public func prompt(for selection: Selection, instructions: String? = nil) -> BuiltPrompt {
        var sections = PromptSections(self, selection)
        sections.task = taskSection(instructions: instructions ?? self.instructions)
        return fit(sections)
    }

    /// The message that follows a rejected answer, carrying the reasons back to the model.
    public func feedback(reasons: [String]) -> ChatMessage {
        ChatMessage(.user, render("feedback", [
            "reasons": reasons.map { "- " + $0 }.joined(separator: "\n"),
            "format": formatText,
        ]))
    }

    /// Messages rendered as text for the run's record.
    public static func transcript(_ messages: [ChatMessage]) -> String {
        messages.map { "[\($0.role.rawValue)]\n\($0.content)" }.joined(separator: "\n\n")
    }

    var systemMessage: String {
        render("system", [
            "description": description,
            "goal": goalText,
            "language": languageName,
            "scope": startTree == nil ? PromptTemplates.scope : PromptTemplates.filesScope,
        ])
    }

    var languageName: String { language.isEmpty ? "the language of the program below" : language }

    var goalText: String {
        var text = goal.direction == .maximize ? "higher scores are better." : "lower scores are better."
        if let target = goal.target { text += " The goal is a score of \(number(target))." }
        return text
    }

    var formatText: String {
        let name = mode == .diff ? "diff_format" : "rewrite_format"
        return render(startTree == nil ? name : "files_" + name, ["language": language])
    }

    /// Whether `search`, a SEARCH part that matched nothing, is text of the answer-form example
    /// rather than of the program: small models copy the prompt's format block as their answer.
    public func quotesFormatExample(_ search: String) -> Bool {
        let text = search.trimmingCharacters(in: .whitespacesAndNewlines)
        return !text.isEmpty && formatText.contains(text)
    }

    func taskSection(instructions: String) -> String {
        render("task", ["instructions": instructions, "format": formatText, "goal": goalText])
    }

    /// Fills `{{key}}` placeholders in one pass, so that text inside an inserted value (code with
    /// `{{...}}` in it, say) is never taken for a placeholder.
    func render(_ name: String, _ values: [String: String]) -> String {
        let template = templates[name] ?? PromptTemplates.defaults[name] ?? ""
        var output = ""
        var rest = template[...]
        while let open = rest.range(of: "{{") {
            output += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                rest = rest[open.lowerBound...]
                break
            }
            let key = String(rest[open.upperBound..<close.lowerBound])
            output += values[key] ?? String(rest[open.lowerBound..<close.upperBound])
            rest = rest[close.upperBound...]
        }
        return output + rest
    }

    /// A section from its template, ending in a blank line; empty when it has nothing to show.
    func section(_ name: String, _ values: [String: String], if shown: Bool = true) -> String {
        guard shown else { return "" }
        return render(name, values).trimmingCharacters(in: .newlines) + "\n\n"
    }

    func tail(_ text: String, lines count: Int, characters: Int) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(count).joined(separator: "\n")
        return String(lines.suffix(characters)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.6g", value)
    }
}
