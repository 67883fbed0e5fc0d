import EvolveCore
import EvolveLLM
import Synchronization

/// Cosine similarity of embeddings from an Ollama or OpenAI-compatible server. Each program is
/// embedded once (vectors are kept by program id; a child's by its text, so that it is not
/// embedded again once it is a program); texts not yet embedded go in batches of `batchSize`.
public final class EmbeddingSimilarity: ProgramSimilarity {
    public let client: any EmbeddingClient
    public var name: String { "embedding \(client.model)" }
    let batchSize: Int
    /// Vectors of programs, and of texts not (yet) a program's: children being checked.
    private let cache = Mutex<(programs: [ProgramID: [Double]], texts: [String: [Double]])>(([:], [:]))

    public init(client: any EmbeddingClient, batchSize: Int = 32) {
        self.client = client
        self.batchSize = max(1, batchSize)
    }

    public func mostSimilar(to code: String, among programs: [Program]) async throws -> SimilarProgram? {
        guard !programs.isEmpty else { return nil }
        let mine = Program.noveltyText(code)
        let missing = cache.withLock { cache in programs.filter { cache.programs[$0.id] == nil } }
        let texts = missing.map { Program.noveltyText($0.code) }
        let vectors = try await embeddings(of: [mine] + texts)
        cache.withLock { cache in
            for (program, text) in zip(missing, texts) {
                cache.programs[program.id] = vectors[text]
                cache.texts[text] = nil
            }
        }
        guard let child = vectors[mine] else { return nil }
        var best: SimilarProgram?
        let known = cache.withLock { $0.programs }
        for program in programs {
            guard let vector = known[program.id] else { continue }
            let value = Self.cosine(child, vector)
            if value > best?.similarity ?? -2 { best = SimilarProgram(program: program, similarity: value) }
        }
        return best
    }

    /// The vectors of `texts`, asking the server only for those not seen before.
    func embeddings(of texts: [String]) async throws -> [String: [Double]] {
        var found = cache.withLock { cache in texts.reduce(into: [String: [Double]]()) { $0[$1] = cache.texts[$1] } }
        var seen = Set(found.keys)
        let missing = texts.filter { seen.insert($0).inserted }
        for start in stride(from: 0, to: missing.count, by: batchSize) {
            let batch = Array(missing[start..<min(start + batchSize, missing.count)])
            for (text, vector) in zip(batch, try await client.embed(batch)) { found[text] = vector }
        }
        let result = found
        cache.withLock { cache in cache.texts.merge(result, uniquingKeysWith: { a, _ in a }) }
        return result
    }

    static func cosine(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count == b.count else { return 0 }
        var dot = 0.0, normA = 0.0, normB = 0.0
        for (x, y) in zip(a, b) {
            dot += x * y
            normA += x * x
            normB += y * y
        }
        guard normA > 0, normB > 0 else { return 0 }
        return dot / (normA.squareRoot() * normB.squareRoot())
    }
}
