import EvolveCore
import EvolveDatabase

/// The mutation mix (`search.mutations`): draws each iteration's mutation kind, and for a
/// crossover finds the second parent. The same iteration draws the same way in every run with the
/// seed, resumed or not, whatever order iterations start in. Nil without `search.mutations`.
struct MutationPlanner: Sendable {
    let mix: MutationMix
    let seed: UInt64
    /// The run's own form (`search.mode`), asked for when a crossover has no second parent yet.
    let mode: MutationKind?

    init?(_ search: SearchConfiguration, mode: Mutation.Mode) {
        guard let mix = search.mutations else { return nil }
        self.mix = mix
        self.seed = search.seed
        self.mode = MutationKind(rawValue: mode.rawValue)
    }

    /// The generator of iteration `iteration`'s draws of one kind (`stream`).
    func generator(iteration: Int, stream: UInt64) -> SplitMix64 {
        SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: iteration) &* 0x9E37_79B9_7F4A_7C15) ^ stream)
    }

    /// The mutation kind of iteration `iteration`.
    func kind(iteration: Int) -> MutationKind {
        var generator = generator(iteration: iteration, stream: 0x4D49_5845)
        return mix.draw(using: &generator)
    }

    /// The kind iteration `iteration` asks for; a crossover adds its second parent to `selection`,
    /// and with no other program to cross with yet, the iteration asks in the run's own form.
    func kind(iteration: Int, selection: inout Selection, archive: ProgramDatabase) -> MutationKind? {
        let kind = kind(iteration: iteration)
        guard kind == .crossover else { return kind }
        var generator = generator(iteration: iteration, stream: 0x5041_5254)
        selection.secondParent = archive.crossoverPartner(for: selection, using: &generator)
        return selection.secondParent == nil ? mode : kind
    }
}
