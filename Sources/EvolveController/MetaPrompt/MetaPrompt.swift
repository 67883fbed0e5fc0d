import EvolveCore
import EvolveDatabase
import EvolveLLM
import Logging
import Synchronization

/// Meta-prompt evolution (`search.meta_prompt`): each iteration uses an instruction variant of the
/// archive, credited with whether its child beat its parent; every `every` finished iterations the
/// model is shown the variants and the recent children and asked for a new variant. The proposal
/// is work of its own: the controller starts it when a model slot is free and files its answer
/// when it comes, so generations go on meanwhile. One proposal is pending at a time; one that
/// falls due meanwhile starts after it.
final class MetaPrompt: Sendable {
    let every: Int
    let instructions: InstructionBook
    let llm: any LLMClient
    let options: GenerationOptions
    /// The problem's description, shown to the model in the diagnosis.
    let description: String
    /// Iterations in the whole run: no proposal is asked after the last.
    let iterations: Int
    let logger: Logger
    static let notesKept = 12
    private let state = Mutex(State())

    private struct State {
        var recent: [OutcomeNote] = []
        /// The finished-iteration count after which a proposal is due and not yet started.
        var due: Int?
        var pending = false
    }

    init(
        _ configuration: MetaPromptConfiguration, instructions: InstructionBook, llm: any LLMClient, options: GenerationOptions,
        description: String, iterations: Int, logger: Logger
    ) {
        self.every = configuration.every
        self.instructions = instructions
        self.llm = llm
        self.options = options
        self.description = description
        self.iterations = iterations
        self.logger = logger
    }

    /// Opens the instruction archive (see `InstructionBook.open()`).
    func open() async throws {
        try await instructions.open()
    }

    /// The instruction variant of the next iteration, or nil while the archive is closed.
    func choose() -> InstructionVariant? {
        instructions.choose()
    }

    /// Notes a finished iteration: keeps it for the diagnosis, credits its variant, and every
    /// `every` finished iterations (`finished`) has a proposal fall due, unless the run is `stopping`.
    func noted(_ note: OutcomeNote, finished: Int, stopping: Bool) async throws {
        guard instructions.isOpen else { return }
        state.withLock { state in
            state.recent.append(note)
            if state.recent.count > Self.notesKept { state.recent.removeFirst(state.recent.count - Self.notesKept) }
        }
        guard let id = note.plan.instruction?.id else { return }
        try await instructions.credit(id, won: note.won)
        guard finished.isMultiple(of: every), finished < iterations, !stopping else { return }
        state.withLock { $0.due = finished }
    }

    /// The due proposal's request, once `takeSlot` gives it a model slot; nil when none is due,
    /// one is still pending, or no slot is free.
    func startProposal(takeSlot: () -> Bool) -> ProposalRequest? {
        guard let finished = state.withLock({ $0.pending ? nil : $0.due }), let archive = instructions.snapshot, takeSlot() else { return nil }
        let recent = state.withLock { state in
            state.due = nil
            state.pending = true
            return state.recent
        }
        return ProposalRequest(finished: finished, messages: InstructionProposal.messages(archive: archive, recent: recent, description: description))
    }

    /// Asks the model for a new variant; nil when the request was cancelled (the run is stopping).
    func propose(_ request: ProposalRequest) async -> InstructionProposalAnswer? {
        do {
            return .init(finished: request.finished, answer: .success(try await llm.chat(request.messages, options: options)))
        } catch {
            if Task.isCancelled { return nil }
            return .init(finished: request.finished, answer: .failure(.init(message: "\(error)")))
        }
    }

    /// Files the new variant the model proposed; a failed request or an unusable answer is
    /// recorded as a malformed proposal and the run goes on.
    func file(_ proposal: InstructionProposalAnswer) async throws {
        state.withLock { $0.pending = false }
        let saved: [InstructionVariant]
        switch proposal.answer {
        case .success(let response):
            saved = try await instructions.file(answer: response.text, finished: proposal.finished)
        case .failure(let failure):
            saved = try await instructions.reject("the proposal request failed: \(failure.message)", finished: proposal.finished)
        }
        logger.info("instruction proposal", metadata: [
            "iteration": "\(proposal.finished)", "variant": "\(saved.first?.id ?? 0)", "status": "\(saved.first?.status.rawValue ?? "")",
        ])
    }
}
