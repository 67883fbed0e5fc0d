import EvolveCore
import EvolveLLM
import Synchronization

/// Cosine similarity of embeddings from an Ollama or OpenAI-compatible server. Each program is
/// embedded once (vectors are kept by their compared text); programs not yet embedded go in
/// batches of `batchSize`.
public final class EmbeddingSimilarity: ProgramSimilarity {
    public let client: any EmbeddingClient
    public var name: String { "embedding \(client.model)" }
    let batchSize: Int
    private let cache = Mutex<[String: [Double]]>([:])

    public init(client: any EmbeddingClient, batchSize: Int = 32) {
        self.client = client
        self.batchSize = max(1, batchSize)
    }

    public func mostSimilar(to code: String, among programs: [Program]) async throws -> SimilarProgram? {
        guard !programs.isEmpty else { return nil }
        let texts = programs.map { Program.noveltyText($0.code) }
        let mine = Program.noveltyText(code)
        let vectors = try await embeddings(of: [mine] + texts)
        guard let child = vectors[mine] else { return nil }
        var best: SimilarProgram?
        for (program, text) in zip(programs, texts) {
            guard let vector = vectors[text] else { continue }
            let value = Self.cosine(child, vector)
            if value > best?.similarity ?? -2 { best = SimilarProgram(program: program, similarity: value) }
        }
        return best
    }

    /// The vectors of `texts`, asking the server only for those not seen before.
    func embeddings(of texts: [String]) async throws -> [String: [Double]] {
        let missing = cache.withLock { cache in
            var seen = Set<String>()
            return texts.filter { cache[$0] == nil && seen.insert($0).inserted }
        }
        for start in stride(from: 0, to: missing.count, by: batchSize) {
            let batch = Array(missing[start..<min(start + batchSize, missing.count)])
            let vectors = try await client.embed(batch)
            cache.withLock { cache in
                for (text, vector) in zip(batch, vectors) { cache[text] = vector }
            }
        }
        return cache.withLock { cache in Dictionary(texts.compactMap { text in cache[text].map { (text, $0) } }, uniquingKeysWith: { a, _ in a }) }
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
