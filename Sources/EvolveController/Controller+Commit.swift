import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import Foundation
import Logging

extension Controller {
    /// A new program id, one that no other process writing the same store can mint.
    func mintID() -> ProgramID {
        ProgramID.unique()
    }

    /// Evaluates and stores the starting program, and the copies the strategy's other islands start from.
    func seed() async throws {
        let code = problem.initialProgram
        let result = try await evaluator.evaluate(code)
        // The start is verified too (never refused): its held-out score is what the bests' are measured against.
        let verification = evaluator.needsVerification(result, over: nil)
            ? try await evaluator.verify(code, result: result, refusable: false).verification : nil
        try Task.checkCancellation()
        evaluations += 1
        let initial = Program(
            id: mintID(), parentID: nil, origin: .initial, iteration: 0, island: 0, generation: 0,
            code: code, result: result, features: featureValues(for: problem.configuration.search.features, code: code, result: result),
            verification: verification)
        try await store.commit(program: initial, attempts: [])
        // What its evaluator's model calls cost (`evaluator.model`), counted before the run's budget is read.
        if let cost = initial.modelGateway?.cost, cost > 0 { try await store.updateRunInfo { $0.modelCost += cost } }
        let outcome = database.add(initial)
        PipelineMetrics.evaluated(result, archive: database)
        emitAdded(initial, outcome: outcome)
        if !result.isSuccess {
            logger.warning("the starting program failed its evaluation", metadata: ["reason": "\(result.failureReason ?? "")"])
        }
        for copy in database.seedCopies(of: initial, makeID: { mintID() }) {
            try await store.commit(program: copy, attempts: [])
            database.add(copy)
        }
    }

    /// The commit stage: stores an evaluated child with its model attempts, then files it in the archive.
    func commitChild(_ candidate: Candidate, result: EvaluationResult, verification: Verification? = nil) async throws -> Program {
        let parent = candidate.selection.parent
        let program = Program(
            id: mintID(), parentID: parent.id, origin: .mutation, iteration: candidate.iteration,
            island: candidate.selection.island, generation: parent.generation + 1, code: candidate.code, result: result,
            features: featureValues(for: problem.configuration.search.features, code: candidate.code, result: result),
            generationRecord: candidate.record, verification: verification, timing: candidate.timing.commitStarting())
        let attempts = candidate.attempts.map { attempt -> AttemptRecord in
            var attempt = attempt
            // The id first; then the note of a SEARCH part that was not found exactly, if any.
            if attempt.outcome == .accepted { attempt.message = "program \(program.id)" + (attempt.message.map { "; " + $0 } ?? "") }
            return attempt
        }
        try await store.commit(program: program, attempts: attempts)
        let outcome = database.add(program)
        PipelineMetrics.evaluated(result, archive: database)
        PipelineMetrics.answered(attempts)
        emitAdded(program, outcome: outcome)
        return program
    }

    /// Stores an iteration that ended without an evaluation (its attempts say why).
    func finishWithoutProgram(_ candidate: Candidate, reason: FailureReason, state: inout PipelineState<Candidate>) async throws {
        try await store.commit(program: nil, attempts: candidate.attempts)
        PipelineMetrics.answered(candidate.attempts)
        state.finish(candidate.iteration)
        emit(.iterationFailed(.init(
            iteration: candidate.iteration, reason: reason, message: candidate.attempts.last?.message ?? reason.code, runCost: spent)))
    }

    /// Counts what an iteration's answers cost, and keeps the total in the store at once: an
    /// answer whose child is never evaluated (the run stopped first) has still been paid for.
    func spend(_ cost: Double, state: inout PipelineState<Candidate>) async throws {
        guard cost > 0 else { return }
        state.spend(cost)
        spent = state.spent
        let total = spent
        try await store.updateRunInfo { $0.modelCost = total }
    }

    /// The strategy's maintenance after a new child (ring migration for `map_elites`).
    func maintain() async throws {
        let made = database.childAdded(makeID: { mintID() })
        for program in made {
            try await store.commit(program: program, attempts: [])
            database.add(program)
            emit(.migration(.init(
                from: program.parentID.flatMap { database.program($0)?.island } ?? program.island, to: program.island,
                programID: program.id)))
        }
    }

    /// Stores and emits the faults the sandbox recovered from (a warm evaluator that died: the
    /// candidate was evaluated again), beside the model faults, under `sandbox:BACKEND`.
    func recordSandboxFaults() async {
        let name = "sandbox:" + evaluator.sandbox.name
        for fault in evaluator.sandbox.takeFaults() {
            try? await store.recordFault(model: name, kind: fault.kind, message: fault.message, willRetry: true)
            emit(.modelFault(.init(model: name, kind: fault.kind, message: fault.message, willRetry: true)))
        }
    }

    func emitAdded(_ program: Program, outcome: ProgramDatabase.AddOutcome) {
        emit(.programAdded(.init(
            iteration: program.iteration, programID: program.id, parentID: program.parentID, island: program.island,
            status: program.result.status, score: program.result.score, failureReason: program.result.failureReason,
            isNewBest: outcome.isNewBest, bestScore: database.best?.score,
            modelSeconds: program.generationRecord?.modelSeconds ?? 0, evaluationSeconds: program.result.duration, runCost: spent,
            verification: program.verification?.summary)))
        if let verification = program.verification {
            logger.info("verified a would-be best", metadata: ["program.id": "\(program.id)", "verification": "\(verification.summary)"])
        }
    }
}
