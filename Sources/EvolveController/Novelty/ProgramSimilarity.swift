import EvolveCore

/// How alike two programs are, from 0 (nothing in common) to 1 (the same), for the novelty
/// check (`search.novelty`). Implementations compare the EVOLVE-BLOCK code (`noveltyText`).
public protocol ProgramSimilarity: Sendable {
    /// The method's name, for messages (`ngram`, `embedding nomic-embed-text`).
    var name: String { get }
    /// The program of `programs` most similar to `code`, and how similar; nil when `programs` is empty.
    func mostSimilar(to code: String, among programs: [Program]) async throws -> SimilarProgram?
}

/// The program a child resembles most.
public struct SimilarProgram: Sendable, Hashable {
    public var program: Program
    public var similarity: Double

    public init(program: Program, similarity: Double) {
        self.program = program
        self.similarity = similarity
    }
}

extension Program {
    /// What the novelty check compares: the EVOLVE-BLOCK regions, or the whole code when it has none.
    static func noveltyText(_ code: String) -> String {
        guard EvolveBlock.hasMarkers(code), let regions = try? EvolveBlock.regionTexts(in: code) else { return code }
        return regions.joined(separator: "\n")
    }
}
