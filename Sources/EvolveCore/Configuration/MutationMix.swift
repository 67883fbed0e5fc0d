/// How a child is asked for: a SEARCH/REPLACE diff, a whole rewrite, or a crossover of two parents.
public enum MutationKind: String, Sendable, Hashable, Codable, CaseIterable {
    case diff, rewrite, crossover
}

/// `search.mutations`: the share of iterations of each kind, e.g. `{diff: 0.6, rewrite: 0.3, crossover: 0.1}`.
/// The shares are normalized to probabilities; a kind left out is never drawn.
public struct MutationMix: Sendable, Hashable, Codable {
    /// Probabilities in `MutationKind.allCases` order, summing to 1.
    public private(set) var probabilities: [MutationKind: Double]

    /// Fails with a message when a share is negative or not finite, or all shares are 0.
    public init(_ shares: [MutationKind: Double]) throws(MutationMixError) {
        if let bad = shares.first(where: { !$0.value.isFinite || $0.value < 0 }) {
            throw MutationMixError("the share of `\(bad.key.rawValue)` must be a number of at least 0")
        }
        let total = shares.values.reduce(0, +)
        guard total > 0 else { throw MutationMixError("at least one share must be above 0") }
        probabilities = shares.filter { $0.value > 0 }.mapValues { $0 / total }
    }

    /// The kind of one iteration, drawn from `generator`.
    public func draw(using generator: inout some RandomNumberGenerator) -> MutationKind {
        let point = Double.random(in: 0..<1, using: &generator)
        var cumulative = 0.0
        let kinds = MutationKind.allCases.filter { probabilities[$0] != nil }
        for kind in kinds {
            cumulative += probabilities[kind]!
            if point < cumulative { return kind }
        }
        return kinds.last!
    }
}

/// Why `search.mutations` is invalid.
public struct MutationMixError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

extension MutationMix {
    enum CodingKeys: String, CodingKey, CaseIterable { case diff, rewrite, crossover }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        var shares: [MutationKind: Double] = [:]
        for key in CodingKeys.allCases {
            if let share = try c.decodeIfPresent(Double.self, forKey: key) { shares[MutationKind(rawValue: key.rawValue)!] = share }
        }
        let bad = CodingKeys.allCases.first { shares[MutationKind(rawValue: $0.rawValue)!].map { !$0.isFinite || $0 < 0 } ?? false }
        try c.require(bad == nil, bad ?? .diff, "the share of `\(bad?.rawValue ?? "")` must be a number of at least 0")
        let firstKey = CodingKeys.allCases.first { c.contains($0) } ?? .diff
        try c.require(shares.values.reduce(0, +) > 0, firstKey, "at least one of diff, rewrite and crossover must have a share above 0")
        try self.init(shares)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        for (kind, probability) in probabilities { try c.encode(probability, forKey: CodingKeys(rawValue: kind.rawValue)!) }
    }
}
