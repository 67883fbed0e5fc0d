import Foundation

/// `search.diff_match`: how a SEARCH part that is not found exactly may still be placed.
///
/// A SEARCH part is looked for exactly, then ignoring trailing whitespace, then ignoring
/// indentation (the REPLACE part is re-indented by the same offset). When none of these finds
/// it, the runs of lines inside the EVOLVE-BLOCK regions about as long as the part are scored
/// (see `LineSimilarity`) and the best one replaces it if it scores at least `threshold` and
/// beats every run of lines it does not overlap by at least `margin`. The applied mutation notes
/// such a match in the record. `threshold: 1` turns the similarity match off (only the exact and
/// whitespace-tolerant matches remain).
public struct DiffMatching: Sendable, Hashable, Codable {
    /// The least similarity (0...1) at which a run of the program's lines may stand for the SEARCH part.
    public var threshold: Double
    /// How much better the best run of lines must score than the best one elsewhere; closer is ambiguous.
    public var margin: Double

    /// The default: mistakes such as a changed name or a dropped comment line in a SEARCH part of
    /// five or more lines still place it; a part that is only half right does not.
    public init(threshold: Double = 0.85, margin: Double = 0.05) {
        self.threshold = threshold
        self.margin = margin
    }

    /// Exact and whitespace-tolerant matches only.
    public static let exact = DiffMatching(threshold: 1)

    /// True when a run of lines that is merely similar may be used.
    public var allowsSimilarLines: Bool { threshold < 1 }

    enum CodingKeys: String, CodingKey, CaseIterable { case threshold, margin }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        let d = DiffMatching()
        self.init(threshold: try c.value(.threshold, default: d.threshold), margin: try c.value(.margin, default: d.margin))
        try c.require(
            threshold.isFinite && (0.5...1).contains(threshold), .threshold,
            "threshold must be between 0.5 and 1 (1: exact matches only)")
        try c.require(margin.isFinite && (0..<0.5).contains(margin), .margin, "margin must be at least 0 and below 0.5")
    }
}
