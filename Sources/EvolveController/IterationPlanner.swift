import EvolveCore
import EvolveDatabase

/// How one iteration asks the model: its mutation kind (nil: the run's `search.mode`) and its
/// instruction variant (nil: the default text).
struct IterationPlan: Sendable, Hashable {
    var kind: MutationKind?
    var instruction: InstructionVariant?
}

/// One finished iteration, as the meta-prompt's diagnosis lists it.
struct OutcomeNote: Sendable, Hashable {
    var iteration: Int
    var plan: IterationPlan
    var won: Bool
    /// What happened, in a few words: "beat its parent (120 → 130)", "failed: no_match: ...".
    var summary: String
}

/// The per-iteration choices of `search.mutations` and `search.meta_prompt`, and what they need
/// to remember: the instruction archive and recent outcomes (each iteration's plan travels with its
/// candidate).
struct IterationPlanner: Sendable {
    var mix: MutationMix?
    var meta: MetaPromptConfiguration?
    let seed: UInt64
    var archive: InstructionArchive?
    var recent: [OutcomeNote] = []
    static let notesKept = 12

    init(_ search: SearchConfiguration) {
        mix = search.mutations
        meta = search.metaPrompt
        seed = search.seed
    }

    var isActive: Bool { mix != nil || archive != nil }

    /// The generator of iteration `iteration`'s draws: the same iteration draws the same way in
    /// every run with the seed, resumed or not, whatever order iterations start in.
    func generator(iteration: Int, stream: UInt64) -> SplitMix64 {
        SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: iteration) &* 0x9E37_79B9_7F4A_7C15) ^ stream)
    }

    /// The mutation kind of iteration `iteration` (nil without `search.mutations`).
    func kind(iteration: Int) -> MutationKind? {
        guard let mix else { return nil }
        var generator = generator(iteration: iteration, stream: 0x4D49_5845)
        return mix.draw(using: &generator)
    }

    mutating func note(_ outcome: OutcomeNote) {
        recent.append(outcome)
        if recent.count > Self.notesKept { recent.removeFirst(recent.count - Self.notesKept) }
    }
}
