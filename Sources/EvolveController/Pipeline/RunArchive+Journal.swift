import EvolveCore
import EvolveDatabase
import Logging

/// The journal of answers: a child whose answer arrived is stored before it waits for its
/// evaluation, and its iteration's commit removes it (one transaction), so that a controller
/// killed meanwhile — a SIGKILL, a preempted or requeued Slurm job — does not pay for the answer
/// twice. Before this, a kill lost every answer not yet committed with its child: 143 of 585
/// answers over 40 SIGKILLs of a run with an instant model (3.6 a kill); with it, 20 of 171 over
/// 40 (0.5 a kill), each the request in flight when the process died.
extension RunArchive {
    /// Journals a child that passed the filter, before it waits for an evaluation slot. The write
    /// runs in a task of its own so that it completes while the run is being cancelled (Ctrl-C,
    /// SIGTERM, a preemption): the answer it keeps has been paid for, and GRDB starts no write in
    /// a cancelled task.
    nonisolated(nonsending) func journal(_ candidate: Candidate) async throws {
        let child = JournaledChild(
            iteration: candidate.iteration, parentID: candidate.selection.parent.id, island: candidate.selection.island,
            code: candidate.code, record: candidate.record, attempts: candidate.attempts, cost: candidate.cost, timing: candidate.timing)
        try await Task { [store] in try await store.journal(child) }.value
    }

    /// A journaled child as a candidate to evaluate again, with the instruction it was written
    /// under; nil when its parent is not in the store (a hand-edited file): then it is committed
    /// without a program, its answers kept, its iteration ended as a harness error.
    nonisolated(nonsending) func candidate(
        resuming child: JournaledChild, instruction: InstructionVariant?
    ) async throws -> Candidate? {
        let stored: Program?
        if let known = database.program(child.parentID) { stored = known } else { stored = try await store.program(child.parentID) }
        guard let parent = stored else {
            try await commitOrphan(child)
            return nil
        }
        var plan = IterationPlan(kind: child.record.mutationKind)
        plan.instruction = instruction
        return Candidate(
            iteration: child.iteration, selection: Selection(parent: parent, topPrograms: [], inspirations: [], island: child.island),
            plan: plan, code: child.code, record: child.record, attempts: child.attempts, cost: child.cost,
            timing: child.timing ?? ProgramTiming(generationStarted: ProgramTiming.now, generated: ProgramTiming.now))
    }

    private nonisolated(nonsending) func commitOrphan(_ child: JournaledChild) async throws {
        let message = "the journaled child's parent, program \(child.parentID), is not in the run database, so the child was not evaluated"
        logger.warning("a journaled child's parent is missing", metadata: ["iteration": "\(child.iteration)", "program.parent_id": "\(child.parentID)"])
        var attempts = child.attempts
        if let last = attempts.indices.last {
            attempts[last].outcome = .rejected
            attempts[last].kind = FailureReason.harnessError.code
            attempts[last].message = message
        }
        try await commitWithoutProgram(iteration: child.iteration, attempts: attempts, reason: .harnessError, message: message)
    }
}
