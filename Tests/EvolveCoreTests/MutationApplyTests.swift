import EvolveCore
import Foundation
import Testing

/// Applying a parsed mutation to a parent program: only the EVOLVE-BLOCK regions may change.
@Suite struct MutationApplyTests {
    static let parent = """
        import math

        def helper(x):
            return x + 1

        # EVOLVE-BLOCK-START
        def solve(n):
            total = 0
            for i in range(n):
                total += helper(i)
            return total
        # EVOLVE-BLOCK-END

        if __name__ == "__main__":
            print(solve(10))

        """

    /// The kind of rejection applying `mutation` gets, or nil when it applies.
    func rejection(_ mutation: Mutation, to parent: String = parent) -> MutationRejection.Kind? {
        do {
            _ = try mutation.apply(to: parent)
            return nil
        } catch {
            return error.kind
        }
    }

    func edit(_ search: String, _ replace: String) -> Mutation {
        .edits([SearchReplace(search: search, replace: replace)])
    }

    /// The lines up to and including the start marker, and from the end marker on.
    func fixedParts(_ program: String) -> (head: [Substring], tail: [Substring]) {
        let lines = program.split(separator: "\n", omittingEmptySubsequences: false)
        let start = lines.firstIndex { $0.contains("EVOLVE-BLOCK-START") }!
        let end = lines.lastIndex { $0.contains("EVOLVE-BLOCK-END") }!
        return (Array(lines[...start]), Array(lines[end...]))
    }

    @Test func exactMatchReplacesOnlyThoseLines() throws {
        let child = try edit("        total += helper(i)", "        total += 2 * helper(i)").apply(to: Self.parent)
        #expect(child == Self.parent.replacingOccurrences(of: "total += helper(i)", with: "total += 2 * helper(i)"))
    }

    @Test func multiLineSearchCanBecomeMoreOrFewerLines() throws {
        let child = try edit(
            """
                total = 0
                for i in range(n):
                    total += helper(i)
            """,
            "    total = sum(helper(i) for i in range(n))"
        ).apply(to: Self.parent)
        #expect(child.contains("def solve(n):\n    total = sum(helper(i) for i in range(n))\n    return total\n# EVOLVE-BLOCK-END"))
        #expect(fixedParts(child) == fixedParts(Self.parent))
    }

    @Test func matchOnlyOutsideTheMarkersIsRejected() {
        #expect(rejection(edit("    return x + 1", "    return x + 2")) == .outsideEvolveBlock)
        #expect(rejection(edit("import math", "import math, sys")) == .outsideEvolveBlock)
        #expect(rejection(edit("    print(solve(10))", "    print(solve(20))")) == .outsideEvolveBlock)
    }

    @Test func searchTouchingAMarkerLineIsRejected() {
        #expect(rejection(edit("# EVOLVE-BLOCK-START\ndef solve(n):", "def solve(n):")) == .outsideEvolveBlock)
        #expect(rejection(edit("    return total\n# EVOLVE-BLOCK-END", "    return total")) == .outsideEvolveBlock)
        #expect(rejection(edit("    return total", "    return total\n# EVOLVE-BLOCK-END\n# EVOLVE-BLOCK-START")) == .outsideEvolveBlock)
    }

    @Test func searchSpanningFromInsideToOutsideIsRejected() {
        #expect(rejection(edit("    return total\n# EVOLVE-BLOCK-END\n\nif __name__ == \"__main__\":", "")) == .outsideEvolveBlock)
    }

    @Test func codeThatOnlyNamesAMarkerIsEditableRegionText() throws {
        // A string or a sentence that mentions a marker is no marker line: it neither ends the
        // region nor blocks an edit, and a program that names one keeps its single region.
        let parent = Self.parent.replacingOccurrences(of: "    total = 0\n", with: "    total = 0\n    tag = \"EVOLVE-BLOCK-END\"\n")
        let child = try edit("    tag = \"EVOLVE-BLOCK-END\"", "    tag = \"done: EVOLVE-BLOCK-START\"").apply(to: parent)
        #expect(child.contains("    tag = \"done: EVOLVE-BLOCK-START\"\n    for i in range(n):"))
        #expect(try EvolveBlock.regionTexts(in: child).count == 1)
        #expect(!EvolveBlock.hasMarkers("print(\"EVOLVE-BLOCK-START\")\n"))
        #expect(EvolveBlock.hasMarkers("x = 1\n  // EVOLVE-BLOCK-END\n"))
    }

    @Test func searchThatMatchesNothingIsNoMatch() {
        #expect(rejection(edit("    total = 1", "    total = 2")) == .noMatch)
    }

    @Test func noMatchMessageQuotesTheFirstSearchLine() {
        #expect {
            try edit("    totl = 0\n    for i in range(n):", "    pass").apply(to: Self.parent)
        } throws: { error in
            let rejection = error as? MutationRejection
            return rejection?.kind == .noMatch && rejection?.message.contains("totl = 0") == true
        }
    }

    @Test func emptySearchIsRejected() {
        #expect(rejection(edit("", "x = 1")) == .emptySearch)
        #expect(rejection(edit("\n  \n", "x = 1")) == .emptySearch)
    }

    @Test func twoMatchesInsideAreAmbiguous() {
        let parent = """
            # EVOLVE-BLOCK-START
            a = 0
            x += 1
            b = 0
            x += 1
            # EVOLVE-BLOCK-END
            """
        #expect(rejection(edit("x += 1", "x += 2"), to: parent) == .ambiguous)
        #expect(throws: Never.self) { try edit("a = 0\nx += 1", "a = 0\nx += 2").apply(to: parent) }
    }

    @Test func ambiguousMessageNamesTheLines() {
        let parent = "# EVOLVE-BLOCK-START\nx += 1\ny = 0\nx += 1\n# EVOLVE-BLOCK-END\n"
        #expect {
            try edit("x += 1", "x += 2").apply(to: parent)
        } throws: { error in
            let rejection = error as? MutationRejection
            return rejection?.kind == .ambiguous && rejection?.message.contains("2, 4") == true
        }
    }

    @Test func oneMatchInsideAndOneOutsideAppliesInside() throws {
        let parent = "x = 1\n# EVOLVE-BLOCK-START\nx = 1\n# EVOLVE-BLOCK-END\nx = 1\n"
        #expect(try edit("x = 1", "x = 2").apply(to: parent) == "x = 1\n# EVOLVE-BLOCK-START\nx = 2\n# EVOLVE-BLOCK-END\nx = 1\n")
    }

    @Test func trailingWhitespaceIsTolerated() throws {
        let parent = "# EVOLVE-BLOCK-START\ndef f():   \n    return 1\t\n# EVOLVE-BLOCK-END\n"
        let child = try edit("def f():\n    return 1", "def f():\n    return 2").apply(to: parent)
        #expect(child == "# EVOLVE-BLOCK-START\ndef f():\n    return 2\n# EVOLVE-BLOCK-END\n")
        let reverse = "# EVOLVE-BLOCK-START\ndef f():\n    return 1\n# EVOLVE-BLOCK-END\n"
        #expect(try edit("def f():  \n    return 1 ", "def f():\n    return 3").apply(to: reverse).contains("return 3"))
    }

    @Test func differentIndentationMatchesAndTheReplacementIsReindented() throws {
        // The model quotes the loop without its indentation; the replacement follows the program's.
        let child = try edit(
            """
            for i in range(n):
                total += helper(i)
            """,
            """
            for i in range(1, n + 1):
                total += helper(i)
                total -= 1
            """
        ).apply(to: Self.parent)
        #expect(
            child.contains(
                """
                    total = 0
                    for i in range(1, n + 1):
                        total += helper(i)
                        total -= 1
                    return total
                """
            )
        )
        #expect(fixedParts(child) == fixedParts(Self.parent))
    }

    @Test func deeperIndentationInTheSearchIsMovedOut() throws {
        let parent = "# EVOLVE-BLOCK-START\ndef f():\n  if a:\n    b()\n# EVOLVE-BLOCK-END"
        let child = try edit("        if a:\n            b()", "        if a:\n            c()").apply(to: parent)
        #expect(child == "# EVOLVE-BLOCK-START\ndef f():\n  if a:\n      c()\n# EVOLVE-BLOCK-END")
    }

    @Test func whitespaceTolerantMatchMustBeUnique() {
        let parent = """
            # EVOLVE-BLOCK-START
            def f():
                x += 1
            def g():
                    x += 1
            # EVOLVE-BLOCK-END
            """
        #expect(rejection(edit("x += 1", "x += 2"), to: parent) == .ambiguous)
        let trailing = "# EVOLVE-BLOCK-START\nx += 1 \nx += 1\t\n# EVOLVE-BLOCK-END"
        #expect(rejection(edit("x += 1  ", "x += 2"), to: trailing) == .ambiguous)
    }

    @Test func exactMatchWinsOverALooserOne() throws {
        let parent = "# EVOLVE-BLOCK-START\n    x += 1\nx += 1\n# EVOLVE-BLOCK-END"
        #expect(try edit("x += 1", "x += 2").apply(to: parent) == "# EVOLVE-BLOCK-START\n    x += 1\nx += 2\n# EVOLVE-BLOCK-END")
    }

    @Test func childIdenticalToParentIsRejected() {
        #expect(rejection(edit("    return total", "    return total")) == .identical)
        #expect(rejection(.rewrite(Self.parent)) == .identical)
        // A change that only touches text outside the markers is dropped by the splice: identical
        // too (an added import would move into the block; see MutationImportTests).
        let outsideOnly = Self.parent.replacingOccurrences(of: "print(solve(10))", with: "print(solve(20))")
        #expect(rejection(.rewrite(outsideOnly)) == .identical)
    }

    @Test func editsApplyInOrderEachSeeingThePreviousResult() throws {
        let mutation = Mutation.edits([
            SearchReplace(search: "    total = 0", replace: "    total = 100"),
            SearchReplace(search: "    total = 100", replace: "    total = 200"),
            SearchReplace(search: "    return total", replace: "    return total // 2"),
        ])
        let child = try mutation.apply(to: Self.parent)
        #expect(child.contains("    total = 200\n"))
        #expect(child.contains("    return total // 2\n"))
        #expect(!child.contains("total = 100"))
    }

    @Test func laterEditCannotSeeTextTheEarlierOneRemoved() {
        let mutation = Mutation.edits([
            SearchReplace(search: "    total = 0", replace: "    total = 1"),
            SearchReplace(search: "    total = 0", replace: "    total = 2"),
        ])
        #expect(rejection(mutation) == .noMatch)
    }

    @Test func failingEditNamesItsNumber() {
        let mutation = Mutation.edits([
            SearchReplace(search: "    total = 0", replace: "    total = 1"),
            SearchReplace(search: "    nothing here", replace: "    x"),
        ])
        #expect {
            try mutation.apply(to: Self.parent)
        } throws: { error in
            (error as? MutationRejection)?.message.contains("SEARCH block 2") == true
        }
    }

    @Test func insertedLinesStayEditableForLaterEdits() throws {
        let mutation = Mutation.edits([
            SearchReplace(search: "    return total", replace: "    total *= 2\n    return total"),
            SearchReplace(search: "    total *= 2", replace: "    total *= 3"),
        ])
        #expect(try mutation.apply(to: Self.parent).contains("    total *= 3\n    return total\n# EVOLVE-BLOCK-END"))
    }

    @Test func textOutsideTheMarkersNeverChanges() throws {
        let mutations: [Mutation] = [
            edit("def solve(n):", "def solve(n, k=1):"),
            edit("    return total", ""),
            edit("def solve(n):\n    total = 0\n    for i in range(n):\n        total += helper(i)\n    return total", "solve = len"),
            .rewrite("import numpy\n# EVOLVE-BLOCK-START\ndef solve(n):\n    return n\n# EVOLVE-BLOCK-END\nprint('changed')\n"),
        ]
        for mutation in mutations {
            let child = try mutation.apply(to: Self.parent)
            #expect(fixedParts(child) == fixedParts(Self.parent))
        }
    }

    @Test func crlfParentIsNormalized() throws {
        let expected = Self.parent.replacingOccurrences(of: "    return total", with: "    return -total")
        do {
            let crlf = Self.parent.replacingOccurrences(of: "\n", with: "\r\n")
            let child = try edit("    return total", "    return -total").apply(to: crlf)
            #expect(child == expected)
        }
        // Classic Mac line ends (CR only) are normalized.
        let cr = Self.parent.replacingOccurrences(of: "\n", with: "\r")
        #expect(try edit("    return total", "    return -total").apply(to: cr) == expected)
    }

    @Test func deletingEveryLineOfARegionLeavesAnEmptyRegionThatCanBeFilledAgain() throws {
        let parent = "a\n# EVOLVE-BLOCK-START\nx = 1\n# EVOLVE-BLOCK-END\nb\n"
        let emptied = try edit("x = 1", "").apply(to: parent)
        #expect(emptied == "a\n# EVOLVE-BLOCK-START\n# EVOLVE-BLOCK-END\nb\n")
        #expect(try EvolveBlock.regionTexts(in: emptied) == [""])
    }

    // MARK: - Several regions

    static let twoRegions = """
        import random
        # EVOLVE-BLOCK-START
        def first():
            return 1
        # EVOLVE-BLOCK-END
        SEPARATOR = 0
        # EVOLVE-BLOCK-START
        def second():
            return 2
        # EVOLVE-BLOCK-END
        main()
        """

    @Test func editsReachEveryRegionButNotTheTextBetween() throws {
        let child = try Mutation.edits([
            SearchReplace(search: "    return 1", replace: "    return 10"),
            SearchReplace(search: "    return 2", replace: "    return 20"),
        ]).apply(to: Self.twoRegions)
        #expect(try EvolveBlock.regionTexts(in: child) == ["def first():\n    return 10", "def second():\n    return 20"])
        #expect(rejection(edit("SEPARATOR = 0", "SEPARATOR = 1"), to: Self.twoRegions) == .outsideEvolveBlock)
    }

    @Test func searchSpanningTwoRegionsIsRejected() {
        let search = "    return 1\n# EVOLVE-BLOCK-END\nSEPARATOR = 0\n# EVOLVE-BLOCK-START\ndef second():"
        #expect(rejection(edit(search, "pass"), to: Self.twoRegions) == .outsideEvolveBlock)
    }

    // MARK: - Rewrite mode

    @Test func rewriteWithMarkersKeepsEverythingOutsideTheParentsMarkers() throws {
        let rewrite = """
            import numpy as np   # changed by the model

            # EVOLVE-BLOCK-START
            def solve(n):
                return n * (n + 1) // 2
            # EVOLVE-BLOCK-END

            print("the model changed this too")
            """
        let child = try Mutation.rewrite(rewrite).apply(to: Self.parent)
        #expect(fixedParts(child) == fixedParts(Self.parent))
        // The import the rewrite added moves inside the block (see MutationImportTests).
        #expect(try EvolveBlock.regionTexts(in: child) == ["import numpy as np   # changed by the model\ndef solve(n):\n    return n * (n + 1) // 2"])
        #expect(!child.contains("the model changed this too"))
    }

    @Test func rewriteWithSeveralRegionsSplicesEachInOrder() throws {
        let rewrite = """
            # EVOLVE-BLOCK-START
            def first():
                return "one"
            # EVOLVE-BLOCK-END
            SEPARATOR = 99
            # EVOLVE-BLOCK-START
            def second():
                return "two"
            # EVOLVE-BLOCK-END
            """
        let child = try Mutation.rewrite(rewrite).apply(to: Self.twoRegions)
        #expect(
            child == """
                import random
                # EVOLVE-BLOCK-START
                def first():
                    return "one"
                # EVOLVE-BLOCK-END
                SEPARATOR = 0
                # EVOLVE-BLOCK-START
                def second():
                    return "two"
                # EVOLVE-BLOCK-END
                main()
                """
        )
    }

    @Test func rewriteWithADifferentNumberOfRegionsIsMarkersChanged() {
        let oneRegion = "# EVOLVE-BLOCK-START\ndef first(): return 3\n# EVOLVE-BLOCK-END\n"
        #expect(rejection(.rewrite(oneRegion), to: Self.twoRegions) == .markersChanged)
        let threeRegions = String(repeating: oneRegion, count: 3)
        #expect(rejection(.rewrite(threeRegions), to: Self.twoRegions) == .markersChanged)
    }

    @Test func rewriteWithBrokenMarkersIsMarkersChanged() {
        let unclosed = "# EVOLVE-BLOCK-START\ndef solve(n):\n    return n\n"
        #expect(rejection(.rewrite(unclosed)) == .markersChanged)
        let endOnly = "def solve(n):\n    return n\n# EVOLVE-BLOCK-END\n"
        #expect(rejection(.rewrite(endOnly)) == .markersChanged)
        // The model is told once what is wrong, and where.
        #expect(throws: MutationRejection(.markersChanged, "The rewritten program's EVOLVE-BLOCK markers are broken: EVOLVE-BLOCK-START is never closed")) {
            try Mutation.rewrite(unclosed).apply(to: Self.parent)
        }
    }

    @Test func rewriteWithoutMarkersReplacesTheOnlyRegion() throws {
        let rewrite = "def solve(n):\n    return n * (n - 1) // 2 + n\n"
        let child = try Mutation.rewrite(rewrite).apply(to: Self.parent)
        #expect(fixedParts(child) == fixedParts(Self.parent))
        #expect(try EvolveBlock.regionTexts(in: child) == ["def solve(n):\n    return n * (n - 1) // 2 + n"])
    }

    @Test func rewriteWithoutMarkersDropsTheUnchangedTextBeforeTheRegion() throws {
        // The model returned the whole file without the marker lines: the repeated head is not duplicated.
        let rewrite = """
            import math

            def helper(x):
                return x + 1

            def solve(n):
                return n
            """
        let child = try Mutation.rewrite(rewrite).apply(to: Self.parent)
        #expect(try EvolveBlock.regionTexts(in: child) == ["def solve(n):\n    return n"])
        #expect(fixedParts(child) == fixedParts(Self.parent))
    }

    @Test func rewriteWithoutMarkersDropsTheUnchangedTextAfterTheRegion() throws {
        // The model returned the whole file without the marker lines: the repeated tail is not duplicated.
        let rewrite = """
            import math

            def helper(x):
                return x + 1

            def solve(n):
                return n

            if __name__ == "__main__":
                print(solve(10))

            """
        let child = try Mutation.rewrite(rewrite).apply(to: Self.parent)
        #expect(fixedParts(child) == fixedParts(Self.parent))
        let regions = try EvolveBlock.regionTexts(in: child)
        do {
            #expect(regions == ["def solve(n):\n    return n"])
            #expect(child.components(separatedBy: "print(solve(10))").count == 2)
        }
    }

    @Test func rewriteWithoutMarkersIsRejectedWhenTheParentHasSeveralRegions() {
        #expect(rejection(.rewrite("def first():\n    return 5\n"), to: Self.twoRegions) == .markersChanged)
    }

    // MARK: - Programs without markers

    @Test func programWithoutMarkersIsEditableAsAWhole() throws {
        let parent = "import sys\n\ndef f():\n    return 1\n\nprint(f())\n"
        #expect(try edit("import sys", "import os").apply(to: parent) == "import os\n\ndef f():\n    return 1\n\nprint(f())\n")
        #expect(try edit("print(f())", "print(f() + 1)").apply(to: parent).hasSuffix("print(f() + 1)\n"))
        #expect(try Mutation.rewrite("print(2)\n").apply(to: parent) == "print(2)\n")
        #expect(rejection(edit("nothing", "x"), to: parent) == .noMatch)
    }

    @Test func parentWithBrokenMarkersRejectsEdits() {
        let parent = "# EVOLVE-BLOCK-START\nx = 1\n"
        #expect(rejection(edit("x = 1", "x = 2"), to: parent) == .markersChanged)
    }
}
