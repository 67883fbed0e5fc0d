import EvolveCore
import EvolveDatabase
import EvolveLLM
import Metrics

/// One iteration's conversation with the model: the messages so far, the attempts recorded and
/// what the answers cost. The generate stage (`Generator`) drives it.
struct GenerationSession: Sendable {
    var iteration: Int
    var selection: Selection
    /// How the iteration asks (its mutation kind and instruction variant); it travels with the child.
    var plan: IterationPlan
    var messages: [ChatMessage]
    var attempts: [AttemptRecord] = []
    var tally = AnswerTally()
    /// When a model slot took the iteration (seconds since 1970).
    let started = ProgramTiming.now

    init(iteration: Int, selection: Selection, plan: IterationPlan, messages: [ChatMessage]) {
        self.iteration = iteration
        self.selection = selection
        self.plan = plan
        self.messages = messages
    }

    var parentID: ProgramID { selection.parent.id }

    /// The model request failed: the iteration ends with a model error.
    mutating func modelFailed(_ error: any Error, attempt: Int, prompt: String, model: String) -> GenerationFailure {
        let llmError = error as? LLMError
        let code = llmError?.code.rawValue ?? "unknown"
        let message = llmError?.message ?? (error is CancellationError ? "the model request was cancelled" : "\(error)")
        Counter(label: "evolve.model_errors", dimensions: [("code", code)]).increment()
        attempts.append(AttemptRecord(
            iteration: iteration, attempt: attempt, parentID: parentID, model: model, prompt: prompt,
            answer: "", outcome: .modelError, kind: code, message: message))
        return GenerationFailure(
            iteration: iteration, plan: plan, attempts: attempts, reason: .modelError(code: code), message: message, cost: tally.cost,
            seconds: ProgramTiming.now - started)
    }

    /// The answer made a child to evaluate.
    /// The answer applied (the note says where a SEARCH part matched only similar lines).
    mutating func accepted(_ response: ChatResponse, attempt: Int, prompt: String, applied: AppliedMutation, mutation: Mutation) -> Candidate {
        attempts.append(record(response, attempt: attempt, prompt: prompt, outcome: .accepted, message: applied.note))
        var generation = GenerationRecord(
            model: response.model, prompt: prompt, answer: response.text, diff: applied.rendered(mutation), attempts: attempt,
            promptTokens: tally.promptTokens, completionTokens: tally.completionTokens, modelSeconds: tally.modelSeconds)
        generation.mutationKind = plan.kind
        generation.instructionID = plan.instruction?.id
        return Candidate(
            iteration: iteration, selection: selection, plan: plan, code: applied.code, record: generation, attempts: attempts, cost: tally.cost,
            timing: ProgramTiming(generationStarted: started, generated: ProgramTiming.now))
    }

    /// The answer was rejected: recorded with its reason, which goes back to the model in `feedback`.
    mutating func rejected(_ response: ChatResponse, attempt: Int, prompt: String, reason: FailureReason, message: String, feedback: ChatMessage) {
        attempts.append(record(
            response, attempt: attempt, prompt: prompt, outcome: reason == .duplicate ? .duplicate : .rejected, kind: reason.code, message: message))
        messages += [ChatMessage(.assistant, response.text), feedback]
    }

    /// The earlier attempt of this iteration whose answer was exactly `text`, if any.
    func attempt(answering text: String) -> Int? {
        attempts.first { $0.answer == text && $0.outcome != .modelError }?.attempt
    }

    /// Every answer was rejected: the iteration ends with the last reason.
    func exhausted() -> GenerationFailure {
        let last = attempts.last
        return GenerationFailure(
            iteration: iteration, plan: plan, attempts: attempts,
            reason: last.flatMap { $0.kind.map(FailureReason.init(code:)) } ?? .rejected(.malformedBlock),
            message: last?.message ?? "every answer was rejected", cost: tally.cost, seconds: ProgramTiming.now - started)
    }

    private func record(
        _ response: ChatResponse, attempt: Int, prompt: String, outcome: AttemptRecord.Outcome, kind: String? = nil, message: String? = nil
    ) -> AttemptRecord {
        AttemptRecord(
            iteration: iteration, attempt: attempt, parentID: parentID, model: response.model, prompt: prompt,
            answer: response.text, outcome: outcome, kind: kind, message: message, promptTokens: response.promptTokens,
            completionTokens: response.completionTokens, modelSeconds: response.duration, cost: response.cost,
            tokensEstimated: response.tokensEstimated)
    }
}

/// What an iteration's answers cost in time, tokens and money. Unknown token counts stay
/// unknown: some servers send none.
struct AnswerTally {
    var modelSeconds = 0.0
    var promptTokens: Int?
    var completionTokens: Int?
    var cost = 0.0

    mutating func add(_ response: ChatResponse) {
        modelSeconds += response.duration
        cost += response.cost ?? 0
        if let tokens = response.promptTokens { promptTokens = (promptTokens ?? 0) + tokens }
        if let tokens = response.completionTokens { completionTokens = (completionTokens ?? 0) + tokens }
    }
}
