import EvolveCore
import EvolveDatabase
import EvolveLLM

extension Controller {
    /// Starts the meta-prompt's due instruction proposal when a model slot is free; it is work of
    /// its own, so generations go on while it is written.
    func startProposal(_ state: inout PipelineState<Candidate>, in group: inout TaskGroup<Work>) {
        guard let metaPrompt, let request = metaPrompt.startProposal(takeSlot: { state.issueModelSlot() }) else { return }
        group.addTask { await metaPrompt.propose(request).map(Work.proposed) ?? .abandoned(.model) }
    }

    /// Files a proposal's answer (its cost counts against the run's budget).
    func proposed(_ proposal: InstructionProposalAnswer, state: inout PipelineState<Candidate>) async throws {
        try await spend(proposal.cost, state: &state)
        try await metaPrompt?.file(proposal)
    }

    /// Tells the meta-prompt which iteration a piece of work finished and how it went.
    func noteOutcome(_ work: Work, state: inout PipelineState<Candidate>) async throws {
        guard let metaPrompt, let note = OutcomeNote(work, finished: state.finished, goal: problem.configuration.goal) else { return }
        try await metaPrompt.noted(note, finished: state.finished.count, stopping: state.stop != nil)
    }
}
