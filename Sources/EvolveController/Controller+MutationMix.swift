import EvolveCore
import EvolveDatabase
import EvolveLLM

extension Controller {
    /// Chooses how iteration `iteration` asks the model, and for a crossover adds the second
    /// parent to `selection`. Without `search.mutations` and `search.meta_prompt`: an empty plan.
    func plan(_ iteration: Int, selection: inout Selection) -> IterationPlan {
        guard planner.isActive else { return IterationPlan() }
        var plan = IterationPlan(kind: planner.kind(iteration: iteration), instruction: planner.archive?.choose())
        if plan.kind == .crossover {
            var generator = planner.generator(iteration: iteration, stream: 0x5041_5254)
            selection.secondParent = database.crossoverPartner(for: selection, using: &generator)
            // With no other program to cross with yet, the iteration asks in the run's own form.
            if selection.secondParent == nil { plan.kind = MutationKind(rawValue: problem.configuration.mode.rawValue) }
        }
        return plan
    }
}

extension PromptBuilder {
    /// This builder and the prompt for one iteration's plan.
    func planned(_ plan: IterationPlan, selection: Selection) -> (PromptBuilder, BuiltPrompt) {
        let builder = planned(kind: plan.kind, instructions: plan.instruction?.text)
        return (builder, builder.prompt(for: selection, kind: plan.kind))
    }
}
