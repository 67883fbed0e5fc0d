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

    /// The messages of one iteration: a crossover of the selection's two parents when `kind` is
    /// `crossover` and the selection has a second parent; otherwise the usual prompt.
    public func messages(for selection: Selection, kind: MutationKind?) -> [ChatMessage] {
        guard kind == .crossover, let second = selection.secondParent else { return messages(for: selection) }
        let usual = messages(for: selection)
        let user = render("crossover", [
            "parent": parentSection(selection.parent),
            "second_parent": secondParentSection(second),
            "last_evaluation": lastEvaluationSection(selection.parent),
            // The default text asks for "one focused change"; a crossover asks for more.
            "instructions": instructions == PromptTemplates.instructions ? "" : instructions,
            "format": formatText,
        ])
        return [usual[0], ChatMessage(.user, user)]
    }

    /// The second parent, in full, under its own heading.
    func secondParentSection(_ program: Program) -> String {
        parentSection(program).replacingOccurrences(of: "## Current program", with: "## Second program (island \(program.island))")
    }
}
