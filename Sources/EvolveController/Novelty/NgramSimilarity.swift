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
    /// Each program's n-gram hashes, sorted and distinct (a program's code never changes).
    private let cache = Mutex<[ProgramID: [UInt64]]>([:])

    public init(n: Int = 5) {
        self.n = max(1, n)
    }

    public func mostSimilar(to code: String, among programs: [Program]) -> SimilarProgram? {
        let mine = shingles(of: code)
        var best: SimilarProgram?
        for program in programs {
            let theirs = shingles(of: program)
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

    /// Jaccard similarity of two sorted arrays of distinct values, by one merge.
    static func jaccard(_ a: [UInt64], _ b: [UInt64]) -> Double {
        if a.isEmpty && b.isEmpty { return 1 }
        var (i, j, shared) = (0, 0, 0)
        while i < a.count && j < b.count {
            if a[i] == b[j] {
                shared += 1
                i += 1
                j += 1
            } else if a[i] < b[j] {
                i += 1
            } else {
                j += 1
            }
        }
        return Double(shared) / Double(a.count + b.count - shared)
    }

    func shingles(of program: Program) -> [UInt64] {
        if let known = cache.withLock({ $0[program.id] }) { return known }
        let result = shingles(of: program.code)
        cache.withLock { $0[program.id] = result }
        return result
    }

    func shingles(of code: String) -> [UInt64] {
        let tokens = Self.tokenHashes(of: Program.noveltyText(code))
        var result = Set<UInt64>()
        if tokens.count <= n {
            if !tokens.isEmpty { result.insert(Self.combine(tokens[...])) }
        } else {
            for start in 0...(tokens.count - n) { result.insert(Self.combine(tokens[start..<(start + n)])) }
        }
        return result.sorted()
    }

    /// A hash of each token: identifiers and numbers (runs of letters, digits, `_` and non-ASCII
    /// bytes) whole, every other visible character alone. FNV-1a, stable across processes.
    static func tokenHashes(of text: String) -> [UInt64] {
        let offset: UInt64 = 0xCBF2_9CE4_8422_2325, prime: UInt64 = 0x100_0000_01B3
        var hashes: [UInt64] = []
        var current: UInt64?
        for byte in text.utf8 {
            let isWord = byte >= 0x80 || byte == UInt8(ascii: "_") || (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A)
            if isWord {
                current = ((current ?? offset) ^ UInt64(byte)) &* prime
                continue
            }
            if let word = current { hashes.append(word) }
            current = nil
            if byte > 0x20 { hashes.append((offset ^ UInt64(byte)) &* prime) }
        }
        if let word = current { hashes.append(word) }
        return hashes
    }

    /// One hash for a run of token hashes.
    static func combine(_ tokens: ArraySlice<UInt64>) -> UInt64 {
        var value: UInt64 = 0xCBF2_9CE4_8422_2325
        for token in tokens { value = (value ^ token) &* 0x100_0000_01B3 &+ (token >> 29) }
        return value
    }
}
