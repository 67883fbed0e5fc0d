import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import Foundation
import Logging
import Metrics

/// Settings of one run that do not come from evolve.yaml alone (flags may override them).
public struct RunSettings: Sendable {
    /// Iterations in the whole run, counting those finished before a resume.
    public var iterations: Int
    public var modelConcurrency: Int
    public var evaluationConcurrency: Int
    public var generation: GenerationOptions
    /// More model calls allowed per iteration after a rejected answer.
    public var retries: Int
    /// Consecutive harness failures (model errors or sandbox errors) that stop the run.
    public var maxConsecutiveHarnessFailures: Int
    /// More requests after a transient model failure (see `RetryingClient`).
    public var requestRetries: Int
    /// Stop once the model answers have cost this much (needs prices in `llm.models`).
    public var costBudget: Double?
    public var maxCodeLength: Int

    public init(
        iterations: Int, modelConcurrency: Int, evaluationConcurrency: Int, generation: GenerationOptions, retries: Int,
        maxConsecutiveHarnessFailures: Int = 5, maxCodeLength: Int = 40_000, requestRetries: Int = 3, costBudget: Double? = nil
    ) {
        self.requestRetries = requestRetries
        self.costBudget = costBudget
        self.iterations = iterations
        self.modelConcurrency = modelConcurrency
        self.evaluationConcurrency = evaluationConcurrency
        self.generation = generation
        self.retries = retries
        self.maxConsecutiveHarnessFailures = maxConsecutiveHarnessFailures
        self.maxCodeLength = maxCodeLength
    }

    public init(_ configuration: ProblemConfiguration) {
        self.init(
            iterations: configuration.search.iterations, modelConcurrency: configuration.llm.concurrency,
            evaluationConcurrency: configuration.sandbox.concurrency, generation: GenerationOptions(configuration.llm),
            retries: configuration.llm.retries, maxCodeLength: configuration.search.maxCodeLength,
            requestRetries: configuration.llm.requestRetries, costBudget: configuration.llm.costBudget)
    }
}

/// How a run ended.
public struct RunSummary: Sendable {
    public var reason: EvolutionEvent.RunFinished.Reason
    /// Iterations finished in the whole run (including before a resume).
    public var iterations: Int
    public var best: Program?
    public var programs: Int
    public var elapsedSeconds: Double
    public var evaluations: Int
    /// What the run's model answers cost in all (0 without prices).
    public var cost: Double = 0
}

/// A harness failure that stopped a run.
public struct RunError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Runs the evolutionary loop: sample → prompt → generate → apply → evaluate → store, with model
/// requests and evaluations in flight under two separate limits, so neither waits for the other.
///
/// Every evaluated program is committed to the store (with its model attempts) before the
/// controller samples again; a run started on a store that already holds programs resumes:
/// finished iterations are not run again and no program is evaluated twice.
public actor Controller {
    let problem: Problem
    let llm: any LLMClient
    let evaluator: Evaluator
    let store: any ProgramStore
    let settings: RunSettings
    let prompts: PromptBuilder
    let logger: Logger
    var database: ProgramDatabase
    var rng: SplitMix64
    /// What the run's model answers have cost so far, earlier sessions of a resumed run included.
    var spent = 0.0

    public nonisolated let events: AsyncStream<EvolutionEvent>
    let continuation: AsyncStream<EvolutionEvent>.Continuation

    public init(
        problem: Problem, llm: any LLMClient, sandbox: any Sandbox, store: any ProgramStore, settings: RunSettings,
        logger: Logger, environment: EvaluatorEnvironment? = nil
    ) {
        self.problem = problem
        let (events, continuation) = AsyncStream.makeStream(of: EvolutionEvent.self)
        (self.events, self.continuation) = (events, continuation)
        // Transient model failures are retried here; each is counted in the store and the events,
        // and so is each failover from one ensemble member to another.
        let recordFault: @Sendable (LLMFault) -> Void = { fault in
            try? store.recordFault(model: fault.model, kind: fault.kind, message: fault.message, willRetry: fault.willRetry)
            continuation.yield(.modelFault(fault))
        }
        (llm as? EnsembleClient)?.onFault(recordFault)
        self.llm = RetryingClient(llm, maxAttempts: settings.requestRetries + 1, onFault: recordFault)
        self.evaluator = Evaluator(sandbox: sandbox, problem: problem, environment: environment)
        self.store = store
        self.settings = settings
        self.prompts = PromptBuilder(problem: problem)
        self.logger = logger
        self.database = ProgramDatabase(configuration: ArchiveConfiguration(problem.configuration))
        self.rng = SplitMix64(seed: problem.configuration.search.seed ^ 0x5EED)
    }

    /// Runs until the target score, the iteration budget, cancellation or a harness failure.
    /// Cancellation ends the run gracefully: running evaluations are killed, nothing half-done is stored.
    public func run(runDirectory: String) async throws -> RunSummary {
        defer { continuation.finish() }
        let clock = ContinuousClock()
        let started = clock.now
        let previous = try store.allPrograms()
        var finished = try store.finishedIterations()
        for program in previous { database.add(program) }
        rng = SplitMix64(seed: problem.configuration.search.seed ^ UInt64(previous.count) ^ 0x5EED)
        emit(.runStarted(.init(
            runDirectory: runDirectory, model: llm.model, backend: evaluator.sandbox.name, iterations: settings.iterations,
            resumedPrograms: previous.count, finishedIterations: finished.count)))

        var evaluations = 0
        if database.root == nil {
            try await seed()
            evaluations += 1
        }
        var state = PipelineState(nextIteration: (finished.max() ?? 0) + 1)
        // A resumed run's cost budget counts what the earlier sessions spent, answers whose
        // iterations were never finished included.
        spent = max(try store.totalCost(), Double(try store.info(Self.spentKey) ?? "") ?? 0)
        let budget = max(0, settings.iterations - finished.count)

        if let best = database.best?.score, problem.configuration.goal.reachesTarget(best) {
            state.stop = .targetReached
        } else if budget == 0 {
            state.stop = .budgetSpent
        } else if let costBudget = settings.costBudget, spent >= costBudget {
            state.stop = .costBudgetSpent
        }
        var harnessFailure: (any Error)?
        await withTaskGroup(of: Work.self) { group in
            while true {
                if state.stop == nil, Task.isCancelled { state.stop = .interrupted }
                if state.stop == nil {
                    while state.modelsInFlight < settings.modelConcurrency, state.issued < budget,
                        state.pending.count + state.evaluationsInFlight < settings.evaluationConcurrency + settings.modelConcurrency,
                        let selection = database.sample(island: state.nextIteration % database.islandCount)
                    {
                        let iteration = state.nextIteration
                        state.nextIteration += 1
                        state.issued += 1
                        state.modelsInFlight += 1
                        group.addTask { await self.generate(iteration: iteration, selection: selection) }
                    }
                    while state.evaluationsInFlight < settings.evaluationConcurrency, !state.pending.isEmpty {
                        let candidate = state.pending.removeFirst()
                        state.evaluationsInFlight += 1
                        group.addTask {
                            do {
                                return .evaluated(candidate, try await self.evaluator.evaluate(candidate.code))
                            } catch {
                                return .cancelled
                            }
                        }
                    }
                }
                guard let work = await group.next() else { break }
                do {
                    switch work {
                    case .generated(let candidate):
                        state.modelsInFlight -= 1
                        try spend(candidate.cost)
                        guard state.stop == nil else { continue }
                        if let duplicate = database.program(withCode: candidate.code) {
                            try finishWithoutProgram(
                                candidate.attemptsMarked(.duplicate, "the child is identical to program \(duplicate.id), evaluated before"),
                                reason: "duplicate", finished: &finished)
                        } else if state.inFlightCodes.contains(candidate.code) {
                            try finishWithoutProgram(
                                candidate.attemptsMarked(.duplicate, "the child is identical to another child already being evaluated"),
                                reason: "duplicate", finished: &finished)
                        } else {
                            state.pending.append(candidate)
                            state.inFlightCodes.insert(candidate.code)
                        }
                    case .failed(let failure):
                        state.modelsInFlight -= 1
                        try spend(failure.cost)
                        try store.commit(program: nil, attempts: failure.attempts)
                        finished.insert(failure.iteration)
                        emit(.iterationFailed(.init(
                            iteration: failure.iteration, reason: failure.reason, message: failure.message, runCost: spent)))
                        if failure.reason == "model_error" {
                            state.consecutiveModelErrors += 1
                            if state.consecutiveModelErrors >= settings.maxConsecutiveHarnessFailures {
                                throw RunError("the model failed \(state.consecutiveModelErrors) times in a row; last error: \(failure.message)")
                            }
                        } else {
                            state.consecutiveModelErrors = 0
                        }
                    case .evaluated(let candidate, let result):
                        state.evaluationsInFlight -= 1
                        state.inFlightCodes.remove(candidate.code)
                        evaluations += 1
                        state.consecutiveModelErrors = 0
                        let program = try commitChild(candidate, result: result)
                        let parentScore = candidate.selection.parent.score
                        llm.report(
                            model: candidate.record.model,
                            improved: program.score.map { score in parentScore.map { problem.configuration.goal.isBetter(score, than: $0) } ?? true } ?? false)
                        finished.insert(candidate.iteration)
                        if result.status == .sandboxError {
                            state.consecutiveSandboxErrors += 1
                            if state.consecutiveSandboxErrors >= settings.maxConsecutiveHarnessFailures {
                                throw RunError("the sandbox failed \(state.consecutiveSandboxErrors) times in a row: \(result.failureReason ?? "")")
                            }
                        } else {
                            state.consecutiveSandboxErrors = 0
                        }
                        state.addedSinceMigration += 1
                        if state.addedSinceMigration >= problem.configuration.search.migrationInterval {
                            state.addedSinceMigration = 0
                            try migrate()
                        }
                        if let score = program.score, problem.configuration.goal.reachesTarget(score), state.stop == nil {
                            state.stop = .targetReached
                        }
                    case .cancelled:
                        break
                    }
                } catch {
                    harnessFailure = error
                    state.stop = .failed
                }
                if state.stop == nil, finished.count >= settings.iterations || (state.issued >= budget && state.idle) {
                    state.stop = .budgetSpent
                }
                if state.stop == nil, let costBudget = settings.costBudget, spent >= costBudget {
                    state.stop = .costBudgetSpent
                }
                if state.stop != nil, !state.cancelledWork {
                    state.cancelledWork = true
                    group.cancelAll()
                }
            }
        }
        if Task.isCancelled, state.stop != .failed { state.stop = .interrupted }
        let reason = state.stop ?? .budgetSpent
        let elapsed = started.duration(to: clock.now)
        let summary = RunSummary(
            reason: reason, iterations: finished.count, best: database.best, programs: database.count,
            elapsedSeconds: elapsed.inSeconds,
            evaluations: evaluations, cost: spent)
        emit(.runFinished(.init(
            reason: reason, iterations: finished.count, bestScore: database.best?.score, bestProgramID: database.best?.id,
            message: harnessFailure.map { "\($0)" })))
        if let harnessFailure { throw harnessFailure }
        return summary
    }

    // MARK: - Steps

    /// Evaluates and stores the starting program, and gives every island a copy of it.
    private func seed() async throws {
        let code = problem.initialProgram
        let result = try await evaluator.evaluate(code)
        try Task.checkCancellation()
        let initial = Program(
            id: ProgramID.random(using: &rng), parentID: nil, origin: .initial, iteration: 0, island: 0, generation: 0,
            code: code, result: result, features: featureValues(for: problem.configuration.search.features, code: code, result: result))
        try store.commit(program: initial, attempts: [])
        let outcome = database.add(initial)
        emitAdded(initial, outcome: outcome)
        if !result.isSuccess {
            logger.warning("the starting program failed its evaluation", metadata: ["reason": "\(result.failureReason ?? "")"])
        }
        for island in 1..<database.islandCount {
            var copy = initial
            copy.id = ProgramID.random(using: &rng)
            copy.parentID = initial.id
            copy.origin = .migration
            copy.island = island
            try store.commit(program: copy, attempts: [])
            database.add(copy)
        }
    }

    private func commitChild(_ candidate: Candidate, result: EvaluationResult) throws -> Program {
        let parent = candidate.selection.parent
        let program = Program(
            id: ProgramID.random(using: &rng), parentID: parent.id, origin: .mutation, iteration: candidate.iteration,
            island: candidate.selection.island, generation: parent.generation + 1, code: candidate.code, result: result,
            features: featureValues(for: problem.configuration.search.features, code: candidate.code, result: result),
            generationRecord: candidate.record)
        let attempts = candidate.attempts.map { attempt -> AttemptRecord in
            var attempt = attempt
            if attempt.outcome == .accepted { attempt.message = "program \(program.id)" }
            return attempt
        }
        try store.commit(program: program, attempts: attempts)
        let outcome = database.add(program)
        Counter(label: "evolve.evaluations", dimensions: [("status", result.status.rawValue)]).increment()
        emitAdded(program, outcome: outcome)
        return program
    }

    static let spentKey = "model_cost"

    /// Counts what an iteration's answers cost, and keeps the total in the store at once: an
    /// answer whose child is never evaluated (the run stopped first) has still been paid for.
    private func spend(_ cost: Double) throws {
        guard cost > 0 else { return }
        spent += cost
        try store.setInfo(Self.spentKey, String(spent))
    }

    private func finishWithoutProgram(_ candidate: Candidate, reason: String, finished: inout Set<Int>) throws {
        try store.commit(program: nil, attempts: candidate.attempts)
        finished.insert(candidate.iteration)
        emit(.iterationFailed(.init(
            iteration: candidate.iteration, reason: reason, message: candidate.attempts.last?.message ?? reason, runCost: spent)))
    }

    private func migrate() throws {
        let migrants = database.migrants { ProgramID.random(using: &rng) }
        for migrant in migrants {
            try store.commit(program: migrant, attempts: [])
            database.add(migrant)
            emit(.migration(.init(from: (migrant.island + database.islandCount - 1) % database.islandCount, to: migrant.island, programID: migrant.id)))
        }
    }

    private func emitAdded(_ program: Program, outcome: ProgramDatabase.AddOutcome) {
        emit(.programAdded(.init(
            iteration: program.iteration, programID: program.id, parentID: program.parentID, island: program.island,
            status: program.result.status, score: program.result.score, failureReason: program.result.failureReason,
            isNewBest: outcome.isNewBest, bestScore: database.best?.score,
            modelSeconds: program.generationRecord?.modelSeconds ?? 0, evaluationSeconds: program.result.duration, runCost: spent)))
    }

    private nonisolated func emit(_ event: EvolutionEvent) {
        continuation.yield(event)
    }

    // MARK: - Generation (runs concurrently, outside the actor)

    /// Asks the model for a change to the selection's parent, feeding rejection reasons back.
    nonisolated func generate(iteration: Int, selection: Selection) async -> Work {
        var messages = prompts.messages(for: selection)
        var attempts: [AttemptRecord] = []
        var modelSeconds = 0.0
        var promptTokens: Int?
        var completionTokens: Int?
        var cost = 0.0
        let parent = selection.parent
        for attempt in 1...(1 + settings.retries) {
            let transcript = PromptBuilder.transcript(messages)
            let response: ChatResponse
            do {
                response = try await llm.chat(messages, options: settings.generation)
            } catch let error as LLMError {
                Counter(label: "evolve.model_errors", dimensions: [("code", error.code.rawValue)]).increment()
                attempts.append(AttemptRecord(
                    iteration: iteration, attempt: attempt, parentID: parent.id, model: llm.model, prompt: transcript,
                    answer: "", outcome: .modelError, kind: error.code.rawValue, message: error.message))
                return .failed(.init(iteration: iteration, attempts: attempts, reason: "model_error", message: error.message, cost: cost))
            } catch {
                if error is CancellationError || Task.isCancelled { return .cancelled }
                let message = "\(error)"
                attempts.append(AttemptRecord(
                    iteration: iteration, attempt: attempt, parentID: parent.id, model: llm.model, prompt: transcript,
                    answer: "", outcome: .modelError, kind: "unknown", message: message))
                return .failed(.init(iteration: iteration, attempts: attempts, reason: "model_error", message: message, cost: cost))
            }
            modelSeconds += response.duration
            cost += response.cost ?? 0
            // Unknown stays unknown: some servers send no token counts.
            if let tokens = response.promptTokens { promptTokens = (promptTokens ?? 0) + tokens }
            if let tokens = response.completionTokens { completionTokens = (completionTokens ?? 0) + tokens }
            Counter(label: "evolve.model_calls").increment()
            do {
                let mutation = try Mutation.parse(response.text)
                let child = try mutation.apply(to: parent.code)
                guard child.count <= settings.maxCodeLength else {
                    throw MutationRejection(.malformedBlock, "the child has \(child.count) characters, more than the \(settings.maxCodeLength) allowed; keep the program shorter")
                }
                attempts.append(AttemptRecord(
                    iteration: iteration, attempt: attempt, parentID: parent.id, model: response.model, prompt: transcript,
                    answer: response.text, outcome: .accepted, promptTokens: response.promptTokens,
                    completionTokens: response.completionTokens, modelSeconds: response.duration, cost: response.cost))
                let record = GenerationRecord(
                    model: response.model, prompt: transcript, answer: response.text, diff: mutation.rendered, attempts: attempt,
                    promptTokens: promptTokens, completionTokens: completionTokens, modelSeconds: modelSeconds)
                return .generated(Candidate(iteration: iteration, selection: selection, code: child, record: record, attempts: attempts, cost: cost))
            } catch {
                let rejection = error as? MutationRejection ?? MutationRejection(.malformedBlock, "\(error)")
                attempts.append(AttemptRecord(
                    iteration: iteration, attempt: attempt, parentID: parent.id, model: response.model, prompt: transcript,
                    answer: response.text, outcome: .rejected, kind: rejection.kind.rawValue, message: rejection.message,
                    promptTokens: response.promptTokens, completionTokens: response.completionTokens,
                    modelSeconds: response.duration, cost: response.cost))
                emit(.mutationRejected(.init(iteration: iteration, attempt: attempt, kind: rejection.kind, message: rejection.message)))
                messages += [ChatMessage(.assistant, response.text), prompts.feedback(reasons: [rejection.message])]
            }
        }
        let last = attempts.last
        return .failed(.init(
            iteration: iteration, attempts: attempts, reason: last?.kind ?? "rejected", message: last?.message ?? "every answer was rejected",
            cost: cost))
    }
}

/// A child that is ready for evaluation.
struct Candidate: Sendable {
    var iteration: Int
    var selection: Selection
    var code: String
    var record: GenerationRecord
    var attempts: [AttemptRecord]
    var cost: Double

    func attemptsMarked(_ outcome: AttemptRecord.Outcome, _ message: String) -> Candidate {
        var copy = self
        if let last = copy.attempts.indices.last {
            copy.attempts[last].outcome = outcome
            copy.attempts[last].kind = outcome.rawValue
            copy.attempts[last].message = message
        }
        return copy
    }
}

/// An iteration that ended without a child to evaluate.
struct GenerationFailure: Sendable {
    var iteration: Int
    var attempts: [AttemptRecord]
    var reason: String
    var message: String
    var cost: Double
}

enum Work: Sendable {
    case generated(Candidate)
    case failed(GenerationFailure)
    case evaluated(Candidate, EvaluationResult)
    case cancelled
}

struct PipelineState {
    var nextIteration: Int
    var issued = 0
    var modelsInFlight = 0
    var evaluationsInFlight = 0
    var pending: [Candidate] = []
    var inFlightCodes: Set<String> = []
    var consecutiveModelErrors = 0
    var consecutiveSandboxErrors = 0
    var addedSinceMigration = 0
    var stop: EvolutionEvent.RunFinished.Reason?
    var cancelledWork = false

    var idle: Bool { modelsInFlight == 0 && evaluationsInFlight == 0 && pending.isEmpty }
}
