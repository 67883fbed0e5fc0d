/// The archive of instruction variants of one run (`search.meta_prompt`): the default text
/// (id 1) and the model's proposals, at most `limit` of them active at once, chosen by
/// `InstructionBandit` and credited per finished iteration. The store keeps a copy of every change.
public struct InstructionArchive: Sendable {
    public static let defaultID = 1
    public let limit: Int
    public private(set) var variants: [InstructionVariant]
    /// Iterations in flight per variant.
    private var pending: [Int: Int] = [:]

    /// An archive holding `stored` variants, or only the default text when nothing is stored.
    public init(limit: Int, stored: [InstructionVariant], defaultText: String) {
        self.limit = limit
        variants = stored.isEmpty ? [InstructionVariant(id: Self.defaultID, text: defaultText)] : stored
    }

    public var active: [InstructionVariant] { variants.filter { $0.status == .active } }

    public func variant(_ id: Int) -> InstructionVariant? { variants.first { $0.id == id } }

    /// The variant for a new iteration (counted as in flight until `credit`).
    public mutating func choose() -> InstructionVariant? {
        guard let id = InstructionBandit.choose(active, pending: pending) else { return nil }
        pending[id, default: 0] += 1
        return variant(id)
    }

    /// Counts a finished iteration of `id`.
    public mutating func credit(_ id: Int, won: Bool) {
        if let count = pending[id], count > 0 { pending[id] = count - 1 }
        guard let index = variants.firstIndex(where: { $0.id == id }) else { return }
        variants[index].pulls += 1
        if won { variants[index].wins += 1 }
    }

    /// Files a proposal: the variants to save (the new one, and one retired to stay within `limit`).
    public mutating func add(_ text: String, proposedAfter: Int, answer: String) -> [InstructionVariant] {
        let new = InstructionVariant(id: nextID, text: text, proposedAfter: proposedAfter, answer: answer)
        variants.append(new)
        guard active.count > limit, let worst = weakest(sparing: new.id) else { return [new] }
        variants[worst].status = .retired
        return [new, variants[worst]]
    }

    /// Records a proposal that could not be used, with why.
    public mutating func reject(answer: String, message: String, proposedAfter: Int) -> InstructionVariant {
        let refused = InstructionVariant(
            id: nextID, text: "", status: .malformed, proposedAfter: proposedAfter, answer: answer, message: message)
        variants.append(refused)
        return refused
    }

    /// Why `text` cannot be a new variant, or nil when it can.
    public func refusal(of text: String) -> String? {
        if text.isEmpty { return "the proposed instructions are empty" }
        if text.count > 2000 { return "the proposed instructions have \(text.count) characters, more than the 2000 allowed" }
        if let same = active.first(where: { $0.text == text }) { return "the proposal repeats instruction variant \(same.id)" }
        return nil
    }

    private var nextID: Int { (variants.map(\.id).max() ?? 0) + 1 }

    /// The active variant with the lowest share of wins (the oldest of equals), never the default or `spared`.
    private func weakest(sparing spared: Int) -> Int? {
        variants.indices
            .filter { variants[$0].status == .active && variants[$0].id != Self.defaultID && variants[$0].id != spared }
            .min { variants[$0].mean < variants[$1].mean || (variants[$0].mean == variants[$1].mean && variants[$0].id < variants[$1].id) }
    }
}
