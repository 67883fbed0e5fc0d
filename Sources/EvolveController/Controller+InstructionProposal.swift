import EvolveCore
import EvolveDatabase
import EvolveLLM
import Logging

extension Controller {
    /// The diagnose step: shows the model the instruction variants and recent children, and files
    /// the new variant it proposes. A failed request or an unusable answer is recorded as a
    /// malformed proposal and the run goes on.
    func proposeInstruction(finished: Int, state: inout PipelineState<Candidate>) async throws {
        guard let archive = planner.archive else { return }
        let messages = InstructionProposal.messages(archive: archive, recent: planner.recent, description: problem.configuration.description)
        let saved: [InstructionVariant]
        do {
            let response = try await llm.chat(messages, options: settings.generation)
            try await spend(response.cost ?? 0, state: &state)
            saved = file(response.text, finished: finished)
        } catch {
            if Task.isCancelled { return }
            saved = [planner.archive!.reject(answer: "", message: "the proposal request failed: \(error)", proposedAfter: finished)]
        }
        for variant in saved { try await (store as? any InstructionStore)?.saveInstruction(variant) }
        logger.info("instruction proposal", metadata: [
            "iteration": "\(finished)", "variant": "\(saved.first?.id ?? 0)", "status": "\(saved.first?.status.rawValue ?? "")",
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
