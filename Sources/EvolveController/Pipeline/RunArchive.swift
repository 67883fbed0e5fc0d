import EvolveCore
import EvolveDatabase
import EvolveSandbox
import Foundation
import Logging

/// The commit stage: the run's programs kept in step in memory (the strategy's archive,
/// `ProgramDatabase`) and in the store. Every program is stored, with its model attempts, before it
/// is filed in the archive, so the archive never holds a program the store lacks. It also keeps
/// what the run has spent and the duplicate check, which needs the archive.
///
/// Owned by the controller and used only from it: its methods run on the controller's actor
/// (`nonisolated(nonsending)`), so its state needs no lock of its own.
final class RunArchive {
    let store: any ProgramStore
    let problem: Problem
    let events: EventBus
    let logger: Logger
    private(set) var database: ProgramDatabase
    /// The children waiting for or in evaluation, which the archive does not hold yet.
    private var inEvaluation = DuplicateCheck()
    /// What the run's model answers have cost so far, earlier sessions of a resumed run included.
    private(set) var spent = 0.0
    /// Programs evaluated in this process, the start's included.
    private(set) var evaluations = 0

    init(problem: Problem, store: any ProgramStore, events: EventBus, logger: Logger) {
        self.problem = problem
        self.store = store
        self.events = events
        self.logger = logger
        database = ProgramDatabase(configuration: ArchiveConfiguration(problem.configuration))
    }

    /// Files the programs of earlier sessions; returns how many there were.
    nonisolated(nonsending) func open() async throws -> Int {
        let previous = try await store.allPrograms()
        for program in previous { database.add(program) }
        return previous.count
    }

    /// Reads what the run has spent, earlier sessions and the start's evaluation included:
    /// answers whose iterations never finished count too.
    nonisolated(nonsending) func readCost() async throws {
        spent = max(try await store.totalCost(), try await store.runInfo().modelCost)
    }

    /// The parent and context for a new iteration, or nil when the archive is empty.
    func sample(iteration: Int) -> Selection? {
        database.sample(iteration: iteration)
    }

    /// Whether the best so far reaches the problem's target.
    var reachedTarget: Bool {
        database.best?.score.map(problem.configuration.goal.reachesTarget) ?? false
    }

    /// What `code` duplicates, if anything: a program in the archive or a child in evaluation.
    func duplicate(of code: String) -> Duplicate? {
        inEvaluation.duplicate(of: code, in: database)
    }

    /// A child passed the filter: its code waits for evaluation.
    func entered(_ code: String) {
        inEvaluation.entered(code)
    }

    /// Counts the run's cost so far (`total`, from the pipeline state) and keeps it in the store
    /// at once: an answer whose child is never evaluated (the run stopped first) is still paid for.
    nonisolated(nonsending) func spent(_ total: Double) async throws {
        spent = total
        try await store.updateRunInfo { $0.modelCost = total }
    }

    /// Evaluates and stores the starting program, and the copies the strategy's other islands start from.
    nonisolated(nonsending) func seed(evaluator: Evaluator) async throws {
        let code = problem.initialProgram
        let result = try await evaluator.evaluate(code)
        // The start is verified too (never refused): its held-out score is what the bests' are measured against.
        let verification = evaluator.needsVerification(result, over: nil)
            ? try await evaluator.verify(code, result: result, refusable: false).verification : nil
        try Task.checkCancellation()
        let initial = Program(
            id: ProgramID.unique(), parentID: nil, origin: .initial, iteration: 0, island: 0, generation: 0,
            code: code, result: result, features: features(code, result), verification: verification)
        try await file(initial, attempts: [])
        // What its evaluator's model calls cost (`evaluator.model`), counted before the run's budget is read.
        if let cost = initial.modelGateway?.cost, cost > 0 { try await store.updateRunInfo { $0.modelCost += cost } }
        if !result.isSuccess {
            logger.warning("the starting program failed its evaluation", metadata: ["reason": "\(result.failureReason ?? "")"])
        }
        for copy in database.seedCopies(of: initial, makeID: { ProgramID.unique() }) {
            try await store.commit(program: copy, attempts: [])
            database.add(copy)
        }
    }

    /// Stores an evaluated child with its model attempts, then files it in the archive.
    nonisolated(nonsending) func commit(
        _ candidate: Candidate, result: EvaluationResult, verification: Verification? = nil
    ) async throws -> Program {
        inEvaluation.left(candidate.code)
        let parent = candidate.selection.parent
        let program = Program(
            id: ProgramID.unique(), parentID: parent.id, origin: .mutation, iteration: candidate.iteration,
            island: candidate.selection.island, generation: parent.generation + 1, code: candidate.code, result: result,
            features: features(candidate.code, result),
            generationRecord: candidate.record, verification: verification, timing: candidate.timing.commitStarting())
        let attempts = candidate.attempts.map { attempt -> AttemptRecord in
            var attempt = attempt
            // The id first; then the note of a SEARCH part that was not found exactly, if any.
            if attempt.outcome == .accepted { attempt.message = "program \(program.id)" + (attempt.message.map { "; " + $0 } ?? "") }
            return attempt
        }
        try await file(program, attempts: attempts)
        PipelineMetrics.answered(attempts)
        return program
    }

    /// Stores an iteration that ended without an evaluation (its attempts say why) and announces it.
    nonisolated(nonsending) func commitWithoutProgram(
        iteration: Int, attempts: [AttemptRecord], reason: FailureReason, message: String
    ) async throws {
        try await store.commit(program: nil, attempts: attempts)
        PipelineMetrics.answered(attempts)
        events.emit(.iterationFailed(.init(iteration: iteration, reason: reason, message: message, runCost: spent)))
    }

    /// The strategy's maintenance after a new child (ring migration for `map_elites`).
    nonisolated(nonsending) func maintain() async throws {
        for program in database.childAdded(makeID: { ProgramID.unique() }) {
            try await store.commit(program: program, attempts: [])
            database.add(program)
            events.emit(.migration(.init(
                from: program.parentID.flatMap { database.program($0)?.island } ?? program.island, to: program.island,
                programID: program.id)))
        }
    }

    /// Stores an evaluated program, files it and announces it.
    private nonisolated(nonsending) func file(_ program: Program, attempts: [AttemptRecord]) async throws {
        try await store.commit(program: program, attempts: attempts)
        evaluations += 1
        let outcome = database.add(program)
        PipelineMetrics.evaluated(program.result, archive: database)
        events.emit(.programAdded(.init(
            iteration: program.iteration, programID: program.id, parentID: program.parentID, island: program.island,
            status: program.result.status, score: program.result.score, failureReason: program.result.failureReason,
            isNewBest: outcome.isNewBest, bestScore: database.best?.score,
            modelSeconds: program.generationRecord?.modelSeconds ?? 0, evaluationSeconds: program.result.duration, runCost: spent,
            verification: program.verification?.summary)))
        if let verification = program.verification {
            logger.info("verified a would-be best", metadata: ["program.id": "\(program.id)", "verification": "\(verification.summary)"])
        }
    }

    private func features(_ code: String, _ result: EvaluationResult) -> [String: Double] {
        featureValues(for: problem.configuration.search.features, code: code, result: result)
    }
}
