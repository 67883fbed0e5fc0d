import EvolveCore
import Synchronization

/// Jaccard similarity of the sets of token n-grams: the share of n-grams two programs have in
/// common. Tokens are identifiers, numbers and single punctuation characters, so layout and
/// spacing do not count, while comments do. Needs no model.
///
/// Changing one token changes up to `n` n-grams, so for a block of T tokens one changed token
/// gives about (T − n)/(T + n): 0.90 at T = 100 and n = 5, 0.99 at T = 1000.
public final class NgramSimilarity: ProgramSimilarity {
    public let n: Int
    public var name: String { "ngram" }
    /// Each program's n-gram hashes, by its compared text.
    private let cache = Mutex<[String: Set<UInt64>]>([:])

    public init(n: Int = 5) {
        self.n = max(1, n)
    }

    public func mostSimilar(to code: String, among programs: [Program]) -> SimilarProgram? {
        let mine = shingles(of: code)
        var best: SimilarProgram?
        for program in programs {
            let theirs = shingles(of: program.code)
            // Jaccard is at most the ratio of the two sizes: skip what cannot beat the best so far.
            let bound = Double(min(mine.count, theirs.count)) / Double(max(1, max(mine.count, theirs.count)))
            if let best, bound <= best.similarity { continue }
            let value = Self.jaccard(mine, theirs)
            if value > best?.similarity ?? -1 { best = SimilarProgram(program: program, similarity: value) }
        }
        return best
    }

    /// The similarity of two codes.
    public func similarity(_ a: String, _ b: String) -> Double {
        Self.jaccard(shingles(of: a), shingles(of: b))
    }

    static func jaccard(_ a: Set<UInt64>, _ b: Set<UInt64>) -> Double {
        if a.isEmpty && b.isEmpty { return 1 }
        let shared = a.count <= b.count ? a.filter(b.contains).count : b.filter(a.contains).count
        return Double(shared) / Double(a.count + b.count - shared)
    }

    func shingles(of code: String) -> Set<UInt64> {
        let text = Program.noveltyText(code)
        if let known = cache.withLock({ $0[text] }) { return known }
        let tokens = Self.tokens(of: text)
        var result = Set<UInt64>()
        if tokens.count <= n {
            if !tokens.isEmpty { result.insert(Self.hash(tokens[...])) }
        } else {
            for start in 0...(tokens.count - n) { result.insert(Self.hash(tokens[start..<(start + n)])) }
        }
        cache.withLock { $0[text] = result }
        return result
    }

    /// Identifiers and numbers as whole tokens, every other visible character alone.
    static func tokens(of text: String) -> [Substring] {
        var tokens: [Substring] = []
        var start: String.Index?
        for index in text.indices {
            let character = text[index]
            if character.isLetter || character.isNumber || character == "_" {
                if start == nil { start = index }
                continue
            }
            if let begun = start { tokens.append(text[begun..<index]) }
            start = nil
            if !character.isWhitespace { tokens.append(text[index...index]) }
        }
        if let begun = start { tokens.append(text[begun...]) }
        return tokens
    }

    /// FNV-1a over the tokens, with a separator between them (stable across processes, unlike `Hasher`).
    static func hash(_ tokens: ArraySlice<Substring>) -> UInt64 {
        var value: UInt64 = 0xCBF2_9CE4_8422_2325
        for token in tokens {
            for byte in token.utf8 { value = (value ^ UInt64(byte)) &* 0x100_0000_01B3 }
            value = (value ^ 0x1F) &* 0x100_0000_01B3
        }
        return value
    }
}
