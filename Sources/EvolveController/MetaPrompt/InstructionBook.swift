import EvolveCore
import EvolveDatabase
import Logging
import Synchronization

/// The instruction archive of `search.meta_prompt` with its store: which variant an iteration
/// uses, how often each variant's children beat their parent, and the variants the model proposed.
/// Every change is stored as it is made, so a resumed run continues with its variants and counts.
final class InstructionBook: Sendable {
    let store: (any InstructionStore)?
    /// Variant 1 of a new run.
    let defaultText: String
    let variants: Int
    let logger: Logger
    /// Nil until `open()` has read the store (or when the store keeps no instructions).
    private let archive = Mutex<InstructionArchive?>(nil)

    init(store: (any InstructionStore)?, defaultText: String, variants: Int, logger: Logger) {
        self.store = store
        self.defaultText = defaultText
        self.variants = variants
        self.logger = logger
    }

    var isOpen: Bool { archive.withLock { $0 != nil } }

    /// The archive as it is now, for the proposal's diagnosis.
    var snapshot: InstructionArchive? { archive.withLock { $0 } }

    /// Loads the stored archive (a resumed run), or stores the default text as variant 1.
    func open() async throws {
        guard let store else {
            logger.warning("search.meta_prompt needs a store that keeps instructions (the SQLite store does); it is off for this run")
            return
        }
        let stored = try await store.instructions()
        let opened = InstructionArchive(limit: variants, stored: stored, defaultText: defaultText)
        if stored.isEmpty { try await store.saveInstruction(opened.variants[0]) }
        archive.withLock { $0 = opened }
    }

    /// The variant the next iteration uses (the bandit's choice), or nil when the archive is closed.
    func choose() -> InstructionVariant? {
        archive.withLock { $0?.choose() }
    }

    /// Counts a finished iteration of variant `id`: a win when its child beat its parent.
    func credit(_ id: Int, won: Bool) async throws {
        archive.withLock { $0?.credit(id, won: won) }
        try await store?.creditInstruction(id: id, won: won)
    }

    /// Files a proposal's answer: a new variant (perhaps retiring the weakest), or a refused one.
    func file(answer: String, finished: Int) async throws -> [InstructionVariant] {
        let text = InstructionProposal.instructions(in: answer) ?? ""
        let saved = archive.withLock { archive -> [InstructionVariant] in
            guard archive != nil else { return [] }
            if let refusal = InstructionProposal.refusal(of: answer, text: text, archive: archive!) {
                return [archive!.reject(answer: answer, message: refusal, proposedAfter: finished)]
            }
            return archive!.add(text, proposedAfter: finished, answer: answer)
        }
        try await save(saved)
        return saved
    }

    /// Files a proposal that has no answer, as a malformed variant that says why.
    func reject(_ message: String, finished: Int) async throws -> [InstructionVariant] {
        let saved = archive.withLock { archive -> [InstructionVariant] in
            guard archive != nil else { return [] }
            return [archive!.reject(answer: "", message: message, proposedAfter: finished)]
        }
        try await save(saved)
        return saved
    }

    private func save(_ variants: [InstructionVariant]) async throws {
        for variant in variants { try await store?.saveInstruction(variant) }
    }
}
