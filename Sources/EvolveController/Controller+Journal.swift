import EvolveCore
import EvolveDatabase
import Logging
import Metrics

/// The journal of answers: a child whose answer arrived is stored before it waits for its
/// evaluation, and its iteration's commit removes it (one transaction), so that a controller
/// killed meanwhile — a SIGKILL, a preempted or requeued Slurm job — does not pay for the answer
/// twice. Before this, a kill lost every answer not yet committed with its child: 143 of 585
/// answers over 40 SIGKILLs of a run with an instant model (3.6 a kill); with it, 20 of 171 over
/// 40 (0.5 a kill), each the request in flight when the process died.
extension Controller {
    /// Journals a child that passed the filter, before it waits for an evaluation slot. The write
    /// runs in a task of its own so that it completes while the run is being cancelled (Ctrl-C,
    /// SIGTERM, a preemption): the answer it keeps has been paid for, and GRDB starts no write in
    /// a cancelled task.
    func journal(_ candidate: Candidate) async throws {
        let child = JournaledChild(
            iteration: candidate.iteration, parentID: candidate.selection.parent.id, island: candidate.selection.island,
            code: candidate.code, record: candidate.record, attempts: candidate.attempts, cost: candidate.cost, timing: candidate.timing)
        try await Task { [store] in try await store.journal(child) }.value
    }

    /// On resume, before any new generation: the children an earlier session journaled and did
    /// not commit wait for evaluation again, without a model call. Their iterations count as
    /// issued (as they did), their model calls and tokens against the run's budget; their cost is
    /// in the run's cost already. A child that is now a duplicate, or whose parent is not in the
    /// store, is committed without a program, with its answers.
    func resume(_ journaled: [JournaledChild], state: inout PipelineState<Candidate>) async throws {
        var requeued = 0
        for child in journaled where !state.finished.contains(child.iteration) {
            state.resume(child.iteration)
            state.used(modelCalls: child.attempts.count, tokens: child.attempts.tokens)
            let stored: Program?
            if let known = database.program(child.parentID) { stored = known } else { stored = try await store.program(child.parentID) }
            guard let parent = stored else {
                try await finishOrphan(child, state: &state)
                continue
            }
            var plan = IterationPlan(kind: child.record.mutationKind)
            plan.instruction = child.record.instructionID.flatMap { metaPrompt?.instructions.snapshot?.variant($0) }
            let candidate = Candidate(
                iteration: child.iteration, selection: Selection(parent: parent, topPrograms: [], inspirations: [], island: child.island),
                plan: plan, code: child.code, record: child.record, attempts: child.attempts, cost: child.cost,
                timing: child.timing ?? ProgramTiming(generationStarted: ProgramTiming.now, generated: ProgramTiming.now))
            if let (reason, message) = filter(candidate) {
                try await finishWithoutProgram(candidate.attemptsMarked(.duplicate, reason, message), reason: reason, state: &state)
            } else {
                duplicates.entered(candidate.code)
                state.enqueue(candidate)
                requeued += 1
            }
        }
        if requeued > 0 {
            Counter(label: "evolve.journaled_children_resumed").increment(by: requeued)
            logger.info("evaluating the children whose answers arrived before the run stopped", metadata: ["journal.children": "\(requeued)"])
        }
    }

    /// Commits a journaled child whose parent is not in the store (a hand-edited file) without a
    /// program: its answers are kept, and its iteration ends as a harness error.
    private func finishOrphan(_ child: JournaledChild, state: inout PipelineState<Candidate>) async throws {
        let message = "the journaled child's parent, program \(child.parentID), is not in the run database, so the child was not evaluated"
        logger.warning("a journaled child's parent is missing", metadata: ["iteration": "\(child.iteration)", "program.parent_id": "\(child.parentID)"])
        var attempts = child.attempts
        if let last = attempts.indices.last {
            attempts[last].outcome = .rejected
            attempts[last].kind = FailureReason.harnessError.code
            attempts[last].message = message
        }
        try await store.commit(program: nil, attempts: attempts)
        PipelineMetrics.answered(attempts)
        state.finish(child.iteration)
        emit(.iterationFailed(.init(iteration: child.iteration, reason: .harnessError, message: message, runCost: spent)))
    }
}
