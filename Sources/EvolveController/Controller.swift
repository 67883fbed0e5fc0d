import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import Foundation
import Logging

/// Runs the evolutionary pipeline: sample → generate → filter → evaluate → commit, with model
/// requests and evaluations in flight under two separate limits, so neither waits for the other.
///
/// The controller holds the scheduling and the stage order only. The scheduling and stop rules
/// live in `PipelineState`; the stages are components: `Generator` (Generate/), the evaluate
/// stage (`Evaluator.evaluate(_:best:)`), the commit stage with the archive, the store, the cost
/// and the duplicate check (`RunArchive`); the search features (the mutation mix, the
/// meta-prompt with its instruction archive, novelty screening) are built by `RunBuilder`
/// (`PipelineParts`), each owning its state. Every evaluated program is committed to the store
/// (with its model attempts) before the controller samples again; a run started on a store that
/// already holds programs resumes: finished iterations are not run again, no program is evaluated
/// twice, and children journaled when their answers arrived are evaluated without a model call.
public actor Controller: ChildScreen {
    let problem: Problem
    let llm: any LLMClient
    let evaluator: Evaluator
    let settings: RunSettings
    let generator: Generator
    let archive: RunArchive
    let logger: Logger
    /// The search features, components built by `RunBuilder` (see `PipelineParts`); nil when off.
    let mutations: MutationPlanner?
    let metaPrompt: MetaPrompt?
    let novelty: NoveltyFilter?
    /// The work in flight last announced with `workInFlight`.
    var announcedInFlight = EvolutionEvent.WorkInFlight(modelCalls: 0, evaluations: 0, waiting: 0)
    /// How busy the slots were in this process's part of the run.
    var occupancy = SlotOccupancy()

    /// The run's events, for any number of subscribers: `controller.events.subscribe()`.
    public nonisolated let events: EventBus

    /// A controller with the parts `PipelineParts` builds from the problem (as `RunBuilder` does).
    public init(
        problem: Problem, llm: any LLMClient, sandbox: any Sandbox, store: any ProgramStore, settings: RunSettings,
        logger: Logger, environment: EvaluatorEnvironment? = nil
    ) {
        let parts = PipelineParts(problem: problem, llm: llm, store: store, settings: settings, logger: logger)
        self.init(problem: problem, parts: parts, sandbox: sandbox, store: store, settings: settings, logger: logger, environment: environment)
    }

    init(
        problem: Problem, parts: PipelineParts, sandbox: any Sandbox, store: any ProgramStore, settings: RunSettings, logger: Logger,
        environment: EvaluatorEnvironment?
    ) {
        self.problem = problem
        self.llm = parts.llm
        self.events = parts.events
        self.mutations = parts.mutations
        self.metaPrompt = parts.metaPrompt
        self.novelty = parts.novelty
        self.evaluator = Evaluator(sandbox: sandbox, problem: problem, environment: environment)
            .withGateway(problem.configuration, llm: parts.llm)
        self.settings = settings
        self.generator = Generator(llm: parts.llm, prompts: PromptBuilder(problem: problem), settings: settings, events: parts.events, logger: logger)
        self.archive = RunArchive(problem: problem, store: store, events: parts.events, logger: logger)
        self.logger = logger
    }

    /// Runs until the target score, the iteration budget, cancellation or a harness failure.
    /// Cancellation ends the run gracefully: running evaluations are killed, nothing half-done is stored.
    public func run(runDirectory: String) async throws -> RunSummary {
        defer { events.finish() }
        let started = ContinuousClock.now
        let store = archive.store
        let resumedPrograms = try await archive.open()
        let finished = try await store.finishedIterations()
        let journaled = try await store.journaledChildren().filter { !finished.contains($0.iteration) }
        emit(.runStarted(.init(
            runDirectory: runDirectory, model: llm.model, backend: evaluator.sandbox.name, iterations: settings.iterations,
            resumedPrograms: resumedPrograms, finishedIterations: finished.count, journaledChildren: journaled.count)))
        if archive.database.root == nil { try await archive.seed(evaluator: evaluator) }
        try await metaPrompt?.open()
        try await archive.readCost()
        let usage = try await BudgetUsage.stored(in: store, finished: finished, budget: settings.budget)
        var state = PipelineState<Candidate>(limits: settings.limits, finished: finished, spent: archive.spent, usage: usage)
        state.start(targetReached: archive.reachedTarget)
        if state.stop == nil {
            try await archive.resume(journaled, state: &state) { id in metaPrompt?.instructions.snapshot?.variant(id) }
        }
        await withTaskGroup(of: Work.self) { group in
            while true {
                if Task.isCancelled { state.interrupt() }
                state.clock(elapsed: started.duration(to: .now).inSeconds)
                startWork(&state, in: &group)
                guard let work = await group.next() else { break }
                state.release(work.slot)
                state.used(by: work)
                do {
                    try await handle(work, state: &state)
                    try await noteOutcome(work, state: &state)
                } catch {
                    state.fail("\(error)")
                }
                state.checkBudgets()
                if state.takeCancellation() { group.cancelAll() }
            }
        }
        if Task.isCancelled { state.interrupt() }
        return try finish(state, started: started)
    }

    /// Starts every generation and evaluation the state allows now.
    private func startWork(_ state: inout PipelineState<Candidate>, in group: inout TaskGroup<Work>) {
        startProposal(&state, in: &group)
        while let iteration = state.issueGeneration() {
            guard var selection = archive.sample(iteration: iteration) else {
                state.release(.model)
                state.fail("the archive has no program to start from")
                return
            }
            let plan = IterationPlan(
                kind: mutations?.kind(iteration: iteration, selection: &selection, archive: archive.database),
                instruction: metaPrompt?.choose())
            group.addTask { [generator, selection] in await generator.generate(iteration: iteration, selection: selection, plan: plan, screen: self) }
        }
        while let candidate = state.issueEvaluation() {
            let best = archive.database.best?.score
            group.addTask { [evaluator] in await evaluator.evaluate(candidate, best: best) }
        }
        announceInFlight(state)
    }

    /// Emits `workInFlight` when the counts differ from the last ones emitted.
    private func announceInFlight(_ state: PipelineState<Candidate>) {
        let now = EvolutionEvent.WorkInFlight(
            modelCalls: state.modelsInFlight, evaluations: state.evaluationsInFlight, waiting: state.pending.count)
        guard now != announcedInFlight else { return }
        announcedInFlight = now
        emit(.workInFlight(now))
    }

    /// What a piece of work that ended means for the run (its slot is already released).
    private func handle(_ work: Work, state: inout PipelineState<Candidate>) async throws {
        switch work {
        case .generated(let candidate):
            occupancy.generated(candidate.timing.generationSeconds)
            try await spend(candidate.cost, state: &state)
            state.modelAnswered()
            guard state.stop == nil else { return }
            if try await archive.admit(candidate, state: &state) { try await archive.journal(candidate) }
        case .failed(let failure):
            occupancy.generated(failure.seconds)
            try await spend(failure.cost, state: &state)
            try await archive.commitWithoutProgram(
                iteration: failure.iteration, attempts: failure.attempts, reason: failure.reason, message: failure.message)
            state.finish(failure.iteration)
            if case .modelError = failure.reason { state.modelFailed(failure.message) } else { state.modelAnswered() }
        case .evaluated(let candidate, let result, let verification):
            occupancy.evaluated(candidate.timing)
            // What the evaluator's model calls cost (`evaluator.model`); their calls and tokens were counted by `used(by:)`.
            try await spend((result.modelGateway?.cost ?? 0) + (verification?.modelGateway?.cost ?? 0), state: &state)
            await archive.recordFaults(of: evaluator.sandbox)
            try await evaluated(candidate, result: result, verification: verification, state: &state)
        case .evaluationError(let candidate, let message):
            await archive.recordFaults(of: evaluator.sandbox)
            let result = EvaluationResult(status: .sandboxError, failureReason: "harness error: \(message)")
            _ = try await archive.commit(candidate, result: result)
            state.finish(candidate.iteration)
            state.fail("the sandbox failed with an unexpected error: \(message)")
        case .proposed(let proposal):
            try await proposed(proposal, state: &state)
        case .abandoned:
            break
        }
    }

    private func evaluated(
        _ candidate: Candidate, result: EvaluationResult, verification: Verification?, state: inout PipelineState<Candidate>
    ) async throws {
        let program = try await archive.commit(candidate, result: result, verification: verification)
        let parentScore = candidate.selection.parent.score
        llm.report(
            model: candidate.record.model,
            improved: program.score.map { score in parentScore.map { problem.configuration.goal.isBetter(score, than: $0) } ?? true } ?? false)
        state.finish(candidate.iteration)
        state.evaluated(sandboxError: result.status == .sandboxError ? result.failureReason ?? "" : nil)
        try await archive.maintain()
        if let score = program.score, problem.configuration.goal.reachesTarget(score) { state.reachedTarget() }
    }

    /// Counts what an answer cost against the run's budget, and in the store at once.
    func spend(_ cost: Double, state: inout PipelineState<Candidate>) async throws {
        guard cost > 0 else { return }
        state.spend(cost)
        try await archive.spent(state.spent)
    }

    /// Why `code`, a child on `island`, is not evaluated: a duplicate or too similar (with the
    /// kind and the message for the model, which is asked to try again), or nil. `judged`
    /// receives a novelty judge's answer.
    nonisolated func screen(_ code: String, island: Int, judged: (ChatResponse) -> Void) async -> (FailureReason, String)? {
        if let duplicate = await duplicate(of: code) { return (.duplicate, duplicate.messageForModel) }
        guard let novelty else { return nil }
        let neighbours = await scoredPrograms(onIsland: island)
        guard let verdict = await novelty.verdict(for: code, against: neighbours, judged: judged) else { return nil }
        return (.tooSimilar, verdict.message)
    }

    private func duplicate(of code: String) -> Duplicate? { archive.duplicate(of: code) }

    private func scoredPrograms(onIsland island: Int) -> [Program] { archive.database.scoredPrograms(onIsland: island) }

    private func finish(_ state: PipelineState<Candidate>, started: ContinuousClock.Instant) throws -> RunSummary {
        let reason = state.stop ?? .budgetSpent
        let best = archive.database.best
        let summary = RunSummary(
            reason: reason, iterations: state.finished.count, best: best, programs: archive.database.count,
            elapsedSeconds: started.duration(to: .now).inSeconds, evaluations: archive.evaluations, cost: archive.spent,
            occupancy: occupancy, modelSlots: settings.modelConcurrency, evaluationSlots: settings.evaluationConcurrency)
        emit(.runFinished(.init(
            reason: reason, iterations: state.finished.count, bestScore: best?.score, bestProgramID: best?.id, message: state.failure)))
        if reason == .failed { throw RunError(state.failure ?? "the run failed") }
        return summary
    }

    nonisolated func emit(_ event: EvolutionEvent) {
        events.emit(event)
    }
}
