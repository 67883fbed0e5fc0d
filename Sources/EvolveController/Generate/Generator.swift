import EvolveCore
import EvolveDatabase
import EvolveLLM
import Foundation
import Logging
import Metrics

/// What the generate stage asks before it accepts a child: why it must not be evaluated (a
/// duplicate, too similar to a program on its island), with the message for the model, or nil.
/// `judged` receives a novelty judge's answer, whose cost the iteration pays.
protocol ChildScreen: Sendable {
    func screen(_ code: String, island: Int, judged: (ChatResponse) -> Void) async -> (FailureReason, String)?
}

/// The generate stage as a component: one iteration's conversation with the model, from the
/// plan's prompt to a child or the reason there is none.
struct Generator: Sendable {
    let llm: any LLMClient
    let prompts: PromptBuilder
    let settings: RunSettings
    let events: EventBus
    let logger: Logger

    /// The generate stage: asks the model for a change to the selection's parent, feeding
    /// rejection reasons back, until an answer applies and its child is new (not a duplicate, not
    /// too similar to a program on its island) or `llm.retries` run out. `plan` says the iteration's
    /// mutation kind and instructions; `screen` is asked about each child. Runs concurrently with
    /// other stages; it never throws: every outcome is a `Work`.
    func generate(iteration: Int, selection: Selection, plan: IterationPlan, screen: some ChildScreen) async -> Work {
        // The iteration's own prompt builder (its answer form), so that feedback asks for the same form.
        let (prompts, prompt) = prompts.planned(plan, selection: selection)
        noteTrimming(prompt, iteration: iteration)
        var session = GenerationSession(iteration: iteration, selection: selection, plan: plan, messages: prompt.messages)
        for attempt in 1...(1 + settings.retries) {
            let transcript = PromptBuilder.transcript(session.messages)
            let response: ChatResponse
            do {
                response = try await llm.chat(session.messages, options: settings.generation.forRequest(iteration: iteration, attempt: attempt))
            } catch {
                if Task.isCancelled { return .abandoned(.model) }
                return .failed(session.modelFailed(error, attempt: attempt, prompt: transcript, model: llm.model))
            }
            session.tally.add(response)
            prompts.calibrate(session.messages, with: response)
            Counter(label: "evolve.model_calls").increment()
            do {
                let (applied, mutation) = try await child(of: response.text, selection: selection, prompts: prompts, screen: screen, tally: &session.tally)
                return .generated(session.accepted(response, attempt: attempt, prompt: transcript, applied: applied, mutation: mutation))
            } catch {
                let repeated = reject(response, error: error, attempt: attempt, prompt: transcript, session: &session, prompts: prompts)
                if repeated { break }
            }
        }
        return .failed(session.exhausted())
    }

    /// Records a rejected answer and feeds its reason back; true when the answer repeats an
    /// earlier one of this iteration, which ends it: in the bundled model's recorded runs, an
    /// iteration whose second answer repeated its first got that answer a third time in 16 of 16.
    private func reject(
        _ response: ChatResponse, error: any Error, attempt: Int, prompt: String, session: inout GenerationSession, prompts: PromptBuilder
    ) -> Bool {
        let rejection = Rejection(error).cutOff(by: response, limit: settings.generation.maxTokens)
        let earlier = session.attempt(answering: response.text)
        let message = rejection.message + (earlier.map { " The answer repeats attempt \($0)'s, so the iteration ends rather than ask again." } ?? "")
        session.rejected(
            response, attempt: attempt, prompt: prompt, reason: rejection.reason, message: message,
            feedback: prompts.feedback(reasons: [rejection.message]))
        if case .rejected(let kind) = rejection.reason {
            events.emit(.mutationRejected(.init(iteration: session.iteration, attempt: attempt, kind: kind, message: message)))
        }
        return earlier != nil
    }

    /// The child an answer makes, or a `Rejection` that says why there is none: the answer does
    /// not apply, the child is too long, a duplicate, or too similar to a program on its island.
    private func child(
        of answer: String, selection: Selection, prompts: PromptBuilder, screen: some ChildScreen, tally: inout AnswerTally
    ) async throws -> (AppliedMutation, Mutation) {
        let parentTree = ProgramTree(decoding: selection.parent.code)
        let mutation = try parentTree.map { try Mutation.parse(answer, tree: $0, policy: settings.files) } ?? Mutation.parse(answer)
        let applied = try apply(mutation, to: selection.parent.code, prompts: prompts)
        let child = applied.code
        let length = ProgramTree(decoding: child).map { evolvedLength(of: $0) } ?? child.count
        guard length <= settings.maxCodeLength else {
            throw Rejection.tooLong("the child has \(length) characters, more than the \(settings.maxCodeLength) allowed; keep the program shorter")
        }
        if let (reason, message) = await screen.screen(child, island: selection.island, judged: { tally.add($0) }) {
            throw Rejection(reason: reason, message: message)
        }
        return (applied, mutation)
    }
}

extension Generator {
    /// A multi-file child's length as `search.max_code_length` counts it: the files the model may
    /// change or create (the rest is the project as it was).
    func evolvedLength(of tree: ProgramTree) -> Int {
        tree.files.filter { settings.files.allowsChange($0.key) || settings.files.allowsCreation($0.key) }.values.reduce(0) { $0 + $1.count }
    }

    /// Logs what a prompt left out to fit `llm.context_length` (the prompt itself says so too, in
    /// its first line, so the attempt's stored transcript records it).
    func noteTrimming(_ prompt: BuiltPrompt, iteration: Int) {
        guard !prompt.trimmed.isEmpty else { return }
        logger.info("prompt trimmed to fit llm.context_length", metadata: [
            "iteration": "\(iteration)", "prompt.left_out": "\(prompt.trimmed.joined(separator: ", "))",
            "prompt.tokens": "\(prompt.estimatedTokens) of \(prompt.tokenLimit)",
        ])
    }

    /// Applies `mutation`; a SEARCH part that matched nothing because it is the prompt's format
    /// example is said to be that (in the recorded bundled-model runs, 9 of 11 unmatched SEARCH
    /// parts were the example's placeholder line).
    private func apply(_ mutation: Mutation, to code: String, prompts: PromptBuilder) throws -> AppliedMutation {
        do {
            return try mutation.applying(to: code, matching: settings.diffMatching, policy: settings.files)
        } catch {
            guard error.kind == .noMatch, case .edits(let edits) = mutation,
                let echoed = edits.first(where: { prompts.quotesFormatExample($0.search) })
            else { throw error }
            let line = echoed.search.split(separator: "\n").first.map(String.init) ?? ""
            throw MutationRejection(
                .echoedExample,
                "The SEARCH part is the answer form's example (`\(line.trimmingCharacters(in: .whitespaces).prefix(80))`), not lines of the program: "
                    + "put lines copied from the current program after <<<<<<< SEARCH and the new lines after =======.")
        }
    }
}
