import EvolveCore
import EvolveDatabase
import EvolveLLM
import Logging

extension Controller {
    /// Starts the due instruction proposal when a model slot is free.
    func startProposal(_ state: inout PipelineState<Candidate>, in group: inout TaskGroup<Work>) {
        guard let finished = proposalDue, let archive = planner.archive, state.issueModelSlot() else { return }
        proposalDue = nil
        let messages = InstructionProposal.messages(archive: archive, recent: planner.recent, description: problem.configuration.description)
        group.addTask { await self.propose(messages, finished: finished) }
    }

    /// The diagnose step's request: shows the model the instruction variants and recent children.
    private nonisolated func propose(_ messages: [ChatMessage], finished: Int) async -> Work {
        do {
            return .proposed(.init(finished: finished, answer: .success(try await llm.chat(messages, options: settings.generation))))
        } catch {
            if Task.isCancelled { return .abandoned(.model) }
            return .proposed(.init(finished: finished, answer: .failure(.init(message: "\(error)"))))
        }
    }

    /// Files the new variant the model proposed; a failed request or an unusable answer is
    /// recorded as a malformed proposal and the run goes on.
    func proposed(_ proposal: InstructionProposalAnswer, state: inout PipelineState<Candidate>) async throws {
        guard planner.archive != nil else { return }
        let saved: [InstructionVariant]
        switch proposal.answer {
        case .success(let response):
            try await spend(response.cost ?? 0, state: &state)
            saved = file(response.text, finished: proposal.finished)
        case .failure(let failure):
            saved = [planner.archive!.reject(answer: "", message: "the proposal request failed: \(failure.message)", proposedAfter: proposal.finished)]
        }
        for variant in saved { try await instructionStore?.saveInstruction(variant) }
        logger.info("instruction proposal", metadata: [
            "iteration": "\(proposal.finished)", "variant": "\(saved.first?.id ?? 0)", "status": "\(saved.first?.status.rawValue ?? "")",
        ])
    }

    /// Files a proposal answer in the archive: the variants to save.
    private func file(_ answer: String, finished: Int) -> [InstructionVariant] {
        let text = InstructionProposal.instructions(in: answer) ?? ""
        if let refusal = InstructionProposal.refusal(of: answer, text: text, archive: planner.archive!) {
            return [planner.archive!.reject(answer: answer, message: refusal, proposedAfter: finished)]
        }
        return planner.archive!.add(text, proposedAfter: finished, answer: answer)
    }
}
