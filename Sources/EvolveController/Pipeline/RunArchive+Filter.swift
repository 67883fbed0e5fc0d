import EvolveCore
import EvolveDatabase
import EvolveSandbox
import Logging
import Metrics

/// The filter stage and the resumption of journaled children, which pass it again.
extension RunArchive {
    /// The filter stage: a duplicate of a program or of a child in evaluation (two identical
    /// children generated at once; the generate stage screened each against what came before) is
    /// committed without a program; any other child waits for evaluation. True when it waits.
    nonisolated(nonsending) func admit(_ candidate: Candidate, state: inout PipelineState<Candidate>) async throws -> Bool {
        if let duplicate = duplicate(of: candidate.code) {
            let message = duplicate.filterMessage
            try await commitWithoutProgram(
                iteration: candidate.iteration, attempts: candidate.attemptsMarked(.duplicate, .duplicate, message).attempts,
                reason: .duplicate, message: message)
            state.finish(candidate.iteration)
            return false
        }
        entered(candidate.code)
        state.enqueue(candidate)
        return true
    }

    /// On resume, before any new generation: the children an earlier session journaled and did
    /// not commit wait for evaluation again, without a model call. Their iterations count as
    /// issued (as they did), their model calls and tokens against the budget; their cost is in
    /// the run's cost already.
    nonisolated(nonsending) func resume(
        _ journaled: [JournaledChild], state: inout PipelineState<Candidate>, instruction: (Int) -> InstructionVariant?
    ) async throws {
        var requeued = 0
        for child in journaled where !state.finished.contains(child.iteration) {
            state.resume(child.iteration)
            state.used(modelCalls: child.attempts.count, tokens: child.attempts.tokens)
            let instruction = child.record.instructionID.flatMap(instruction)
            guard let candidate = try await candidate(resuming: child, instruction: instruction) else {
                state.finish(child.iteration)
                continue
            }
            if try await admit(candidate, state: &state) { requeued += 1 }
        }
        guard requeued > 0 else { return }
        Counter(label: "evolve.journaled_children_resumed").increment(by: requeued)
        logger.info("evaluating the children whose answers arrived before the run stopped", metadata: ["journal.children": "\(requeued)"])
    }

    /// Stores and emits the faults the sandbox recovered from (a warm evaluator that died: the
    /// candidate was evaluated again), beside the model faults, under `sandbox:BACKEND`.
    nonisolated(nonsending) func recordFaults(of sandbox: any Sandbox) async {
        let name = "sandbox:" + sandbox.name
        for fault in sandbox.takeFaults() {
            try? await store.recordFault(model: name, kind: fault.kind, message: fault.message, willRetry: true)
            events.emit(.modelFault(.init(model: name, kind: fault.kind, message: fault.message, willRetry: true)))
        }
    }
}
