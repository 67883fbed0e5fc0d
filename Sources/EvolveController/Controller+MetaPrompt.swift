import EvolveCore
import EvolveDatabase
import EvolveLLM
import Logging

extension Controller {
    /// Loads the instruction archive of `search.meta_prompt` (a resumed run continues with its
    /// variants and counts), or stores the default text as variant 1 in a new run.
    func resumeInstructions() async throws {
        guard let meta = planner.meta else { return }
        guard let store = instructionStore else {
            logger.warning("search.meta_prompt needs a store that keeps instructions (the SQLite store does); it is off for this run")
            return
        }
        let stored = try await store.instructions()
        let archive = InstructionArchive(limit: meta.variants, stored: stored, defaultText: prompts.instructions)
        if stored.isEmpty { try await store.saveInstruction(archive.variants[0]) }
        planner.archive = archive
    }

    /// After a piece of work: credits a finished iteration's instruction variant (1 when its
    /// child beat its parent, else 0), notes the outcome, and every `meta_prompt.every` finished
    /// iterations has the model asked for a new variant (`proposalDue`; the proposal is work of its
    /// own, started when a model slot is free, so generations go on while it is written).
    func noteOutcome(_ work: Work, state: inout PipelineState<Candidate>) async throws {
        guard planner.isActive, let (iteration, plan, won, summary) = outcome(of: work, finished: state.finished) else { return }
        planner.note(OutcomeNote(iteration: iteration, plan: plan, won: won, summary: summary))
        guard let meta = planner.meta, let id = plan.instruction?.id, planner.archive != nil else { return }
        planner.archive?.credit(id, won: won)
        try await instructionStore?.creditInstruction(id: id, won: won)
        let finished = state.finished.count
        guard finished.isMultiple(of: meta.every), finished < settings.iterations, state.stop == nil else { return }
        proposalDue = finished
    }

    /// The iteration a piece of work finished, its plan, whether its child beat its parent, and what happened.
    private func outcome(of work: Work, finished: Set<Int>) -> (Int, IterationPlan, Bool, String)? {
        switch work {
        case .generated(let candidate):
            // Still on its way to evaluation, unless the filter refused it.
            guard finished.contains(candidate.iteration) else { return nil }
            return (candidate.iteration, candidate.plan, false, "a duplicate of an earlier program")
        case .failed(let failure):
            return (failure.iteration, failure.plan, false, "no child: \(failure.reason.code): \(failure.message.prefix(200))")
        case .evaluated(let candidate, let result, _):
            let parent = candidate.selection.parent
            return (candidate.iteration, candidate.plan, beats(result, parent), summary(result, parent: parent))
        case .evaluationError(let candidate, let message):
            return (candidate.iteration, candidate.plan, false, "harness error: \(message.prefix(200))")
        case .proposed, .abandoned:
            return nil
        }
    }

    private func beats(_ result: EvaluationResult, _ parent: Program) -> Bool {
        guard result.isSuccess, let score = result.score else { return false }
        return parent.score.map { problem.configuration.goal.isBetter(score, than: $0) } ?? true
    }

    private func summary(_ result: EvaluationResult, parent: Program) -> String {
        guard result.isSuccess, let score = result.score else {
            return "failed (\(result.status.rawValue)): \((result.failureReason ?? "no reason given").prefix(200))"
        }
        let change = "(\(parent.score.map { "\($0)" } ?? "none") → \(score))"
        return beats(result, parent) ? "beat its parent \(change)" : "did not beat its parent \(change)"
    }
}
