import EvolveCore
import Foundation
import Testing

/// SEARCH parts that are not found exactly: placed on the clearly most similar lines (with a
/// note), or rejected with the closest lines quoted back.
@Suite struct MutationFuzzyMatchTests {
    /// Lines 8–11 are the body of `solve`; `helper` (lines 3–4) is outside the markers.
    static let parent = MutationApplyTests.parent
    static let fuzzy = DiffMatching()

    func edit(_ search: String, _ replace: String) -> Mutation {
        .edits([SearchReplace(search: search, replace: replace)])
    }

    /// The rejection applying `mutation` with `matching` gets (nil when it applies).
    func rejection(_ mutation: Mutation, to parent: String = parent, matching: DiffMatching = fuzzy) -> MutationRejection? {
        do {
            _ = try mutation.applying(to: parent, matching: matching)
            return nil
        } catch {
            return error
        }
    }

    /// The model renamed the loop variable in the lines it quoted.
    static let misquoted = """
            total = 0
            for j in range(n):
                total += helper(j)
            return total
        """
    static let misquotedReplacement = """
            total = 0
            for j in range(n):
                total += 2 * helper(j)
            return total
        """

    @Test func similarLinesAboveTheThresholdAreReplacedAndNoted() throws {
        let applied = try edit(Self.misquoted, Self.misquotedReplacement).applying(to: Self.parent, matching: Self.fuzzy)
        #expect(applied.code == Self.parent.replacingOccurrences(
            of: "    for i in range(n):\n        total += helper(i)", with: "    for j in range(n):\n        total += 2 * helper(j)"))
        #expect(applied.matches.map(\.kind) == [.similar])
        #expect(applied.note == "The SEARCH block matched lines 8–11 at similarity 0.97")
        let recorded = applied.rendered(edit(Self.misquoted, Self.misquotedReplacement))
        #expect(recorded.hasPrefix("(The SEARCH block matched lines 8–11 at similarity 0.97)\n<<<<<<< SEARCH\n"))
    }

    @Test func thresholdOneIsExactOnlyAndQuotesTheClosestLines() throws {
        for found in [rejection(edit(Self.misquoted, Self.misquotedReplacement), matching: .exact),
                          Self.rejectionOfPlainApply(edit(Self.misquoted, Self.misquotedReplacement))] {
            #expect(found?.kind == .noMatch)
            let message = found?.message ?? ""
            #expect(message.contains("The closest are lines 8–11 (similarity 0.97):\n```\n    total = 0\n    for i in range(n):\n        total += helper(i)\n    return total\n```"), "\(message)")
        }
    }

    static func rejectionOfPlainApply(_ mutation: Mutation) -> MutationRejection? {
        do {
            _ = try mutation.apply(to: parent)
            return nil
        } catch {
            return error
        }
    }

    @Test func aDroppedCommentLineStillPlacesTheWholeBlock() throws {
        let parent = """
            # EVOLVE-BLOCK-START
            def solve(items, capacity):
                # sort by value density
                order = sorted(range(len(items)), key=lambda i: items[i][1] / items[i][0], reverse=True)
                chosen, weight = [], 0
                for i in order:
                    if weight + items[i][0] <= capacity:
                        chosen.append(i)
                        weight += items[i][0]
                return chosen
            # EVOLVE-BLOCK-END
            """
        let lines = parent.split(separator: "\n").map(String.init)
        let search = ([lines[1]] + lines[3...9]).joined(separator: "\n")
        let replace = "def solve(items, capacity):\n    return []"
        let applied = try edit(search, replace).applying(to: parent, matching: Self.fuzzy)
        #expect(applied.code == "# EVOLVE-BLOCK-START\ndef solve(items, capacity):\n    return []\n# EVOLVE-BLOCK-END")
        #expect(applied.note == "The SEARCH block matched lines 2–10 at similarity 0.94")
    }

    /// Two functions that differ in one line; the SEARCH part is a little closer to the second.
    static let twins = """
        # EVOLVE-BLOCK-START
        def first(xs):
            total = 0
            for x in xs:
                total += x
            return total

        def second(xs):
            total = 0
            for x in xs:
                total += x * x
            return total
        # EVOLVE-BLOCK-END
        """
    static let betweenTwins = "    total = 0\n    for x in xs:\n        total += x + 1\n    return total"

    @Test func twoAboutEquallySimilarPlacesAreAmbiguous() {
        let rejection = rejection(edit(Self.betweenTwins, "    return 0"), to: Self.twins)
        #expect(rejection?.kind == .ambiguous)
        let message = rejection?.message ?? ""
        #expect(message.contains("One is lines 9–12 (similarity 0.96):\n```\n    total = 0\n    for x in xs:\n        total += x * x\n"), "\(message)")
        #expect(message.contains("The other is lines 3–6 (similarity 0.92):\n```\n    total = 0\n"), "\(message)")
    }

    @Test func aSmallerMarginTakesTheClearlyBestOfTwoPlaces() throws {
        let applied = try edit(Self.betweenTwins, "    return 0").applying(to: Self.twins, matching: DiffMatching(threshold: 0.85, margin: 0.03))
        #expect(applied.code.contains("def first(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total\n"))
        #expect(applied.code.contains("def second(xs):\n    return 0\n# EVOLVE-BLOCK-END"))
    }

    @Test func belowTheThresholdIsNoMatchQuotingTheClosestLinesWithTheirNumbers() {
        let search = "    total = 1\n    for k in range(1, n + 1):\n        total = total * helper(k)"
        let rejection = rejection(edit(search, "    total = 2"))
        #expect(rejection?.kind == .noMatch)
        let message = rejection?.message ?? ""
        #expect(message.contains("its first line is `total = 1`"), "\(message)")
        #expect(message.contains("The closest are lines 8–10 (similarity 0."), "\(message)")
        #expect(message.contains("```\n    total = 0\n    for i in range(n):\n        total += helper(i)\n```"), "\(message)")
        // The same part is placed once the threshold is low enough.
        #expect(throws: Never.self) { try edit(search, "    total = 2").applying(to: Self.parent, matching: DiffMatching(threshold: 0.6)) }
    }

    @Test func unrelatedSearchQuotesNothing() {
        let message = rejection(edit("class Solver:\n    pass", "x = 1"))?.message ?? ""
        #expect(message.contains("does not match") && !message.contains("closest"), "\(message)")
    }

    @Test func similarLinesAreReindentedByTheOffsetOfTheLinesTheyReplace() throws {
        // The model quoted the loop without its indentation and with another variable name.
        let applied = try edit("for j in range(n):\n    total += helper(j)", "for j in range(n):\n    total += helper(j) * 2")
            .applying(to: Self.parent, matching: Self.fuzzy)
        #expect(applied.code.contains("    total = 0\n    for j in range(n):\n        total += helper(j) * 2\n    return total\n"))
        #expect(applied.note == "The SEARCH block matched lines 9–10 at similarity 0.94")
    }

    @Test func aQuotedLineTheProgramLacksDoesNotShiftTheIndentation() throws {
        // The first quoted line is not in the program and is less indented than the rest.
        let search = "# add the helper values\n    total = 0\n    for i in range(n):\n        total += helper(i)"
        let replace = "    total = 1\n    for i in range(n):\n        total += helper(i)"
        let applied = try edit(search, replace).applying(to: Self.parent, matching: Self.fuzzy)
        #expect(applied.code.contains("def solve(n):\n    total = 1\n    for i in range(n):\n        total += helper(i)\n    return total\n"))
        #expect(applied.note == "The SEARCH block matched lines 8–10 at similarity 0.85")
    }

    @Test func aWhitespaceTolerantMatchIsNotedToo() throws {
        let applied = try edit("for i in range(n):\n    total += helper(i)", "for i in range(n):\n    total -= helper(i)")
            .applying(to: Self.parent, matching: Self.fuzzy)
        #expect(applied.code.contains("    for i in range(n):\n        total -= helper(i)\n"))
        #expect(applied.matches.map(\.kind) == [.indentation])
        #expect(applied.note == "The SEARCH block matched lines 9–10 ignoring indentation (the replacement was re-indented)")
    }

    @Test func similarLinesOutsideTheMarkersAreNeverUsed() {
        // Close to `helper` (lines 3–4, outside the markers); nothing inside is close enough.
        let rejection = rejection(edit("def helper(y):\n    return y + 1", "def helper(y):\n    return y + 2"), matching: DiffMatching(threshold: 0.7))
        #expect(rejection?.kind == .noMatch)
        let message = rejection?.message ?? ""
        #expect(!message.contains("def helper(x)") && !message.contains("lines 3–4"), "\(message)")
    }

    @Test func eachPartNotesItsOwnMatch() throws {
        let mutation = Mutation.edits([
            SearchReplace(search: "def solve(n):", replace: "def solve(n, k=2):"),
            SearchReplace(search: Self.misquoted, replace: Self.misquotedReplacement),
        ])
        let applied = try mutation.applying(to: Self.parent, matching: Self.fuzzy)
        #expect(applied.matches.map(\.kind) == [.exact, .similar])
        #expect(applied.loosest == .similar)
        #expect(applied.note == "SEARCH block 2 matched lines 8–11 at similarity 0.97")
    }

    @Test func aMisquotedLineOfOverAThousandCharactersIsNotPlacedBySimilarity() {
        // Such lines (a data table) would take long to compare character by character.
        let table = "TABLE = [" + (0..<300).map(String.init).joined(separator: ", ") + "]"
        let parent = "# EVOLVE-BLOCK-START\n\(table)\nx = 1\n# EVOLVE-BLOCK-END\n"
        let misquoted = table.replacingOccurrences(of: "299]", with: "298]")
        #expect(rejection(edit("\(misquoted)\nx = 1", "x = 2"), to: parent)?.kind == .noMatch)
        let short = "TABLE = [1, 2, 3]"
        let shortParent = "# EVOLVE-BLOCK-START\n\(short)\nx = 1\n# EVOLVE-BLOCK-END\n"
        #expect(rejection(edit("TABLE = [1, 2, 4]\nx = 1", "x = 2"), to: shortParent) == nil)
    }

    @Test func anExactMatchHasNoNote() throws {
        let mutation = edit("    return total", "    return -total")
        let applied = try mutation.applying(to: Self.parent, matching: Self.fuzzy)
        #expect(applied.note == nil && applied.loosest == .exact)
        #expect(applied.rendered(mutation) == mutation.rendered)
    }
}
