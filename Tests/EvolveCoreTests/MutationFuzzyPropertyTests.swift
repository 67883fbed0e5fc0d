import EvolveCore
import PropertyBased
import Testing

/// Invariants of similar-line matching over random programs (see `MarkedProgram`).
@Suite struct MutationFuzzyPropertyTests {
    /// A low threshold and no margin: as loose as `search.diff_match` allows, to reach every path.
    static let loose = DiffMatching(threshold: 0.5, margin: 0)

    /// Lines `start..<end` of the region with one character of each chosen line changed, or one line dropped.
    static func misquote(_ region: [String], _ a: Int, _ b: Int) -> [String] {
        let start = a % region.count
        let end = start + 1 + b % (region.count - start)
        var quoted = Array(region[start..<end])
        if quoted.count > 2, a % 3 == 0 { quoted.remove(at: 1 + b % (quoted.count - 2)) }
        let line = b % quoted.count
        if let last = quoted[line].indices.last { quoted[line].replaceSubrange(last...last, with: "#") }
        return quoted
    }

    @Test func aSimilarMatchNeverChangesTextOutsideTheRegion() async {
        await propertyCheck(
            input: MutationPropertyTests.programs, Gen.int(in: 0...10_000), Gen.int(in: 0...10_000)
        ) { program, a, b in
            let search = Self.misquote(program.region, a, b).joined(separator: "\n")
            let mutation = Mutation.edits([SearchReplace(search: search, replace: "changed = True")])
            let applied: AppliedMutation
            do {
                applied = try mutation.applying(to: program.text, matching: Self.loose)
            } catch {
                // Never found exactly (a character changed), so never an outside match either.
                let kind = (error as? MutationRejection)?.kind
                #expect(kind == .noMatch || kind == .ambiguous, "\(error)")
                return
            }
            #expect(applied.loosest == .similar)
            let lines = applied.code.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let parent = program.lines + [""]
            #expect(lines.prefix(program.head.count + 1) == parent.prefix(program.head.count + 1))
            #expect(lines.suffix(program.tail.count + 2) == parent.suffix(program.tail.count + 2))
            #expect(lines.contains { $0.hasSuffix("changed = True") })
        }
    }

    @Test func aSearchFoundExactlyAppliesTheSameWithOrWithoutSimilarLines() async {
        await propertyCheck(
            input: MutationPropertyTests.programs, Gen.int(in: 0...10_000), Gen.int(in: 0...10_000)
        ) { program, a, b in
            let start = a % program.region.count
            let end = start + 1 + b % (program.region.count - start)
            let search = program.region[start..<end].joined(separator: "\n")
            let mutation = Mutation.edits([SearchReplace(search: search, replace: "changed = True")])
            let exact = try mutation.applying(to: program.text, matching: .exact)
            #expect(try mutation.applying(to: program.text, matching: Self.loose) == exact)
            #expect(exact.loosest == .exact && exact.note == nil)
        }
    }
}
