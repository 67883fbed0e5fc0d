import EvolveCore
import EvolveDatabase
import EvolveLLM
import Foundation
import Metrics

extension Controller {
    /// The generate stage: asks the model for a change to the selection's parent, feeding
    /// rejection reasons back, until an answer applies or `llm.retries` run out. Runs outside the
    /// actor, concurrently with other stages; it never throws: every outcome is a `Work`.
    nonisolated func generate(iteration: Int, selection: Selection) async -> Work {
        var messages = prompts.messages(for: selection)
        var attempts: [AttemptRecord] = []
        var tally = AnswerTally()
        let parent = selection.parent
        for attempt in 1...(1 + settings.retries) {
            let transcript = PromptBuilder.transcript(messages)
            let response: ChatResponse
            do {
                response = try await llm.chat(messages, options: settings.generation)
            } catch {
                if Task.isCancelled { return .abandoned(.model) }
                let llmError = error as? LLMError
                let code = llmError?.code.rawValue ?? "unknown"
                let message = llmError?.message ?? (error is CancellationError ? "the model request was cancelled" : "\(error)")
                Counter(label: "evolve.model_errors", dimensions: [("code", code)]).increment()
                attempts.append(AttemptRecord(
                    iteration: iteration, attempt: attempt, parentID: parent.id, model: llm.model, prompt: transcript,
                    answer: "", outcome: .modelError, kind: code, message: message))
                return .failed(.init(
                    iteration: iteration, attempts: attempts, reason: .modelError(code: code), message: message, cost: tally.cost))
            }
            tally.add(response)
            Counter(label: "evolve.model_calls").increment()
            do {
                let mutation = try Mutation.parse(response.text)
                let applied = try mutation.applying(to: parent.code, matching: settings.diffMatching)
                let child = applied.code
                guard child.count <= settings.maxCodeLength else {
                    throw Rejection.tooLong("the child has \(child.count) characters, more than the \(settings.maxCodeLength) allowed; keep the program shorter")
                }
                attempts.append(AttemptRecord(
                    iteration: iteration, attempt: attempt, parentID: parent.id, model: response.model, prompt: transcript,
                    answer: response.text, outcome: .accepted, message: applied.note, promptTokens: response.promptTokens,
                    completionTokens: response.completionTokens, modelSeconds: response.duration, cost: response.cost,
                    tokensEstimated: response.tokensEstimated))
                let record = GenerationRecord(
                    model: response.model, prompt: transcript, answer: response.text, diff: applied.rendered(mutation), attempts: attempt,
                    promptTokens: tally.promptTokens, completionTokens: tally.completionTokens, modelSeconds: tally.modelSeconds)
                return .generated(Candidate(
                    iteration: iteration, selection: selection, code: child, record: record, attempts: attempts, cost: tally.cost))
            } catch {
                let rejection = Rejection(error)
                attempts.append(AttemptRecord(
                    iteration: iteration, attempt: attempt, parentID: parent.id, model: response.model, prompt: transcript,
                    answer: response.text, outcome: .rejected, kind: rejection.reason.code, message: rejection.message,
                    promptTokens: response.promptTokens, completionTokens: response.completionTokens,
                    modelSeconds: response.duration, cost: response.cost, tokensEstimated: response.tokensEstimated))
                if case .rejected(let kind) = rejection.reason {
                    emit(.mutationRejected(.init(iteration: iteration, attempt: attempt, kind: kind, message: rejection.message)))
                }
                messages += [ChatMessage(.assistant, response.text), prompts.feedback(reasons: [rejection.message])]
            }
        }
        let last = attempts.last
        return .failed(.init(
            iteration: iteration, attempts: attempts, reason: last.flatMap { $0.kind.map(FailureReason.init(code:)) } ?? .rejected(.malformedBlock),
            message: last?.message ?? "every answer was rejected", cost: tally.cost))
    }
}

/// Why an answer did not become a child.
private struct Rejection: Error {
    var reason: FailureReason
    var message: String

    static func tooLong(_ message: String) -> Rejection { Rejection(reason: .tooLong, message: message) }

    init(reason: FailureReason, message: String) {
        self.reason = reason
        self.message = message
    }

    init(_ error: any Error) {
        switch error {
        case let rejection as Rejection: self = rejection
        case let rejection as MutationRejection: self.init(reason: .rejected(rejection.kind), message: rejection.message)
        default: self.init(reason: .rejected(.malformedBlock), message: "\(error)")
        }
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
