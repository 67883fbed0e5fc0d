import EvolveCore
import EvolveDatabase
import EvolveLLM

/// How one iteration asks the model: its mutation kind (nil: the run's `search.mode`) and its
/// instruction variant (nil: the default text). It travels with the iteration's candidate.
struct IterationPlan: Sendable, Hashable {
    var kind: MutationKind?
    var instruction: InstructionVariant?
}

extension PromptBuilder {
    /// This builder and the prompt for one iteration's plan.
    func planned(_ plan: IterationPlan, selection: Selection) -> (PromptBuilder, BuiltPrompt) {
        let builder = planned(kind: plan.kind, instructions: plan.instruction?.text)
        return (builder, builder.prompt(for: selection, kind: plan.kind))
    }
}
