import EvolveCore
import Foundation

extension PromptBuilder {
    /// This builder for one iteration: the answer form of `kind` (a crossover keeps the run's
    /// form: a diff against the first parent, or a rewrite) and the task text `instructions`.
    public func planned(kind: MutationKind?, instructions: String?) -> PromptBuilder {
        var builder = self
        if kind == .diff { builder.mode = .diff }
        if kind == .rewrite { builder.mode = .rewrite }
        if let instructions { builder.instructions = instructions }
        return builder
    }

    /// The prompt of one iteration: a crossover of the selection's two parents when `kind` is
    /// `crossover` and the selection has a second parent; otherwise the usual prompt, trimmed to
    /// the budget. (A crossover shows both parents whole and is never trimmed.)
    public func prompt(for selection: Selection, kind: MutationKind?) -> BuiltPrompt {
        let usual = prompt(for: selection)
        guard kind == .crossover, let second = selection.secondParent else { return usual }
        let user = render("crossover", [
            "parent": parentSection(selection),
            "second_parent": secondParentSection(second),
            "last_evaluation": lastEvaluationSection(selection.parent),
            // The default text asks for "one focused change"; a crossover asks for more.
            "instructions": instructions == PromptTemplates.instructions ? "" : instructions,
            "format": formatText,
        ])
        let messages = [usual.messages[0], ChatMessage(.user, user)]
        return BuiltPrompt(messages: messages, trimmed: [], estimatedTokens: budget.tokens(messages), tokenLimit: budget.limit)
    }

    /// The messages of one iteration (see `prompt(for:kind:)`).
    public func messages(for selection: Selection, kind: MutationKind?) -> [ChatMessage] {
        prompt(for: selection, kind: kind).messages
    }

    /// The second parent, in full, under its own heading.
    func secondParentSection(_ program: Program) -> String {
        parentSection(Selection(parent: program, topPrograms: [], inspirations: [], island: program.island))
            .replacingOccurrences(of: "## Current program", with: "## Second program (island \(program.island))")
            .replacingOccurrences(of: "The current program, in full:", with: "The second program, in full:")
    }
}
