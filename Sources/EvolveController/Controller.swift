import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import Foundation
import Logging

/// Runs the evolutionary pipeline: sample → generate → filter → evaluate → commit, with model
/// requests and evaluations in flight under two separate limits, so neither waits for the other.
///
/// The scheduling and stop rules live in `PipelineState`; each stage is a method of its own
/// (`Generator` in Generate/, `filter` in Controller+Filter.swift, the commits in
/// Controller+Commit.swift). The search features (the mutation mix, the meta-prompt with its
/// instruction archive, novelty screening) are components `RunBuilder` builds and hands in
/// (`PipelineParts`), each owning its state; the controller only calls them. Every evaluated
/// program is committed to the store (with its model attempts) before the controller samples
/// again; a run started on a store that already holds programs resumes: finished iterations are
/// not run again and no program is evaluated twice. A child is journaled when its answer arrives
/// (Controller+Journal.swift), so a resumed run evaluates it instead of asking the model again.
public actor Controller: ChildScreen {
    let problem: Problem
    let llm: any LLMClient
    let evaluator: Evaluator
    let store: any ProgramStore
    let settings: RunSettings
    /// The generate stage.
    let generator: Generator
    let logger: Logger
    var database: ProgramDatabase
    /// The search features, components built by `RunBuilder` (see `PipelineParts`); nil when off.
    let mutations: MutationPlanner?
    let metaPrompt: MetaPrompt?
    let novelty: NoveltyFilter?
    /// The filter's memory of the children waiting for or in evaluation.
    var duplicates = DuplicateCheck()
    /// What the run's model answers have cost so far, earlier sessions of a resumed run included.
    var spent = 0.0
    var evaluations = 0
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
        self.store = store
        self.settings = settings
        self.generator = Generator(llm: parts.llm, prompts: PromptBuilder(problem: problem), settings: settings, events: parts.events, logger: logger)
        self.logger = logger
        self.database = ProgramDatabase(configuration: ArchiveConfiguration(problem.configuration))
    }

    /// Runs until the target score, the iteration budget, cancellation or a harness failure.
    /// Cancellation ends the run gracefully: running evaluations are killed, nothing half-done is stored.
    public func run(runDirectory: String) async throws -> RunSummary {
        defer { events.finish() }
        let started = ContinuousClock.now
        let previous = try await store.allPrograms()
        for program in previous { database.add(program) }
        let finished = try await store.finishedIterations()
        let journaled = try await store.journaledChildren().filter { !finished.contains($0.iteration) }
        emit(.runStarted(.init(
            runDirectory: runDirectory, model: llm.model, backend: evaluator.sandbox.name, iterations: settings.iterations,
            resumedPrograms: previous.count, finishedIterations: finished.count, journaledChildren: journaled.count)))
        if database.root == nil { try await seed() }
        try await metaPrompt?.open()
        // A resumed run's cost budget counts what the earlier sessions spent, answers whose
        // iterations were never finished included.
        spent = max(try await store.totalCost(), try await store.runInfo().modelCost)
        let usage = try await BudgetUsage.stored(in: store, finished: finished, budget: settings.budget)
        var state = PipelineState<Candidate>(limits: settings.limits, finished: finished, spent: spent, usage: usage)
        state.start(targetReached: database.best?.score.map(problem.configuration.goal.reachesTarget) ?? false)
        // Children whose answers arrived before an earlier session stopped are evaluated first, without a model call.
        if state.stop == nil { try await resume(journaled, state: &state) }
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
            guard var selection = database.sample(iteration: iteration) else {
                state.release(.model)
                state.fail("the archive has no program to start from")
                return
            }
            let plan = IterationPlan(
                kind: mutations?.kind(iteration: iteration, selection: &selection, archive: database), instruction: metaPrompt?.choose())
            group.addTask { [generator, selection] in await generator.generate(iteration: iteration, selection: selection, plan: plan, screen: self) }
        }
        while let candidate = state.issueEvaluation() {
            let best = database.best?.score
            group.addTask { await self.evaluate(candidate, best: best) }
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

    /// The evaluate stage: the candidate's score, or why it has none. A child that beats `best`,
    /// the run's best when its evaluation began, is verified before it is committed (a child that
    /// does not cannot become the best, since the best only improves meanwhile).
    private nonisolated func evaluate(_ candidate: Candidate, best: Double?) async -> Work {
        var candidate = candidate
        candidate.timing.evaluationStarted = ProgramTiming.now
        do {
            let result = try await evaluator.evaluate(candidate.code)
            guard evaluator.needsVerification(result, over: best) else {
                candidate.timing.evaluated = ProgramTiming.now
                return .evaluated(candidate, result, nil)
            }
            let (verified, verification) = try await evaluator.verify(candidate.code, result: result)
            candidate.timing.evaluated = ProgramTiming.now
            return .evaluated(candidate, verified, verification)
        } catch {
            if error is CancellationError || Task.isCancelled { return .abandoned(.evaluation) }
            return .evaluationError(candidate, "\(error)")
        }
    }

    /// What a piece of work that ended means for the run (its slot is already released).
    private func handle(_ work: Work, state: inout PipelineState<Candidate>) async throws {
        switch work {
        case .generated(let candidate):
            occupancy.generated(candidate.timing.generationSeconds)
            try await spend(candidate.cost, state: &state)
            state.modelAnswered()
            guard state.stop == nil else { return }
            if let (reason, message) = filter(candidate) {
                try await finishWithoutProgram(candidate.attemptsMarked(.duplicate, reason, message), reason: reason, state: &state)
            } else {
                duplicates.entered(candidate.code)
                try await journal(candidate)
                state.enqueue(candidate)
            }
        case .failed(let failure):
            occupancy.generated(failure.seconds)
            try await spend(failure.cost, state: &state)
            try await store.commit(program: nil, attempts: failure.attempts)
            state.finish(failure.iteration)
            emit(.iterationFailed(.init(iteration: failure.iteration, reason: failure.reason, message: failure.message, runCost: spent)))
            if case .modelError = failure.reason { state.modelFailed(failure.message) } else { state.modelAnswered() }
        case .evaluated(let candidate, let result, let verification):
            occupancy.evaluated(candidate.timing)
            // What the evaluator's model calls cost (`evaluator.model`); their calls and tokens were counted by `used(by:)`.
            try await spend((result.modelGateway?.cost ?? 0) + (verification?.modelGateway?.cost ?? 0), state: &state)
            await recordSandboxFaults()
            try await evaluated(candidate, result: result, verification: verification, state: &state)
        case .evaluationError(let candidate, let message):
            await recordSandboxFaults()
            duplicates.left(candidate.code)
            let result = EvaluationResult(status: .sandboxError, failureReason: "harness error: \(message)")
            _ = try await commitChild(candidate, result: result)
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
        duplicates.left(candidate.code)
        evaluations += 1
        let program = try await commitChild(candidate, result: result, verification: verification)
        let parentScore = candidate.selection.parent.score
        llm.report(
            model: candidate.record.model,
            improved: program.score.map { score in parentScore.map { problem.configuration.goal.isBetter(score, than: $0) } ?? true } ?? false)
        state.finish(candidate.iteration)
        state.evaluated(sandboxError: result.status == .sandboxError ? result.failureReason ?? "" : nil)
        try await maintain()
        if let score = program.score, problem.configuration.goal.reachesTarget(score) { state.reachedTarget() }
    }

    private func finish(_ state: PipelineState<Candidate>, started: ContinuousClock.Instant) throws -> RunSummary {
        let reason = state.stop ?? .budgetSpent
        let summary = RunSummary(
            reason: reason, iterations: state.finished.count, best: database.best, programs: database.count,
            elapsedSeconds: started.duration(to: .now).inSeconds, evaluations: evaluations, cost: spent, occupancy: occupancy,
            modelSlots: settings.modelConcurrency, evaluationSlots: settings.evaluationConcurrency)
        emit(.runFinished(.init(
            reason: reason, iterations: state.finished.count, bestScore: database.best?.score, bestProgramID: database.best?.id,
            message: state.failure)))
        if reason == .failed { throw RunError(state.failure ?? "the run failed") }
        return summary
    }

    nonisolated func emit(_ event: EvolutionEvent) {
        events.emit(event)
    }
}
