import EvolveCore
import Testing

/// Reading SEARCH/REPLACE blocks (or a rewritten program) out of a model's free-form answer.
@Suite struct MutationParseTests {
    /// The edits of an answer that must parse as SEARCH/REPLACE blocks.
    func edits(_ answer: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [SearchReplace] {
        let mutation = try Mutation.parse(answer)
        guard case .edits(let edits) = mutation else {
            Issue.record("expected SEARCH/REPLACE edits, got \(mutation)", sourceLocation: sourceLocation)
            return []
        }
        return edits
    }

    /// The kind of rejection an answer gets, or nil when it parses.
    func rejection(_ answer: String) -> MutationRejection.Kind? {
        do {
            _ = try Mutation.parse(answer)
            return nil
        } catch {
            return error.kind
        }
    }

    @Test func oneBareBlock() throws {
        let answer = """
            <<<<<<< SEARCH
                return a + b
            =======
                return a * b
            >>>>>>> REPLACE
            """
        #expect(try edits(answer) == [SearchReplace(search: "    return a + b", replace: "    return a * b")])
    }

    @Test func severalBlocksKeepTheirOrderAndAllTheirLines() throws {
        let answer = """
            <<<<<<< SEARCH
            x = 1
            y = 2
            =======
            x = 10
            >>>>>>> REPLACE
            <<<<<<< SEARCH
            z = 3
            =======
            z = 30
            w = 40
            >>>>>>> REPLACE
            <<<<<<< SEARCH
            q = 0
            =======
            >>>>>>> REPLACE
            """
        #expect(
            try edits(answer) == [
                SearchReplace(search: "x = 1\ny = 2", replace: "x = 10"),
                SearchReplace(search: "z = 3", replace: "z = 30\nw = 40"),
                SearchReplace(search: "q = 0", replace: ""),
            ]
        )
    }

    @Test func blocksInsideAndOutsideFencesWithProseAround() throws {
        let answer = """
            I will make two changes. First, the loop:

            ```python
            <<<<<<< SEARCH
            for i in range(n):
                total += i
            =======
            total = n * (n - 1) // 2
            >>>>>>> REPLACE
            ```

            Then, without a fence, the return value:
            <<<<<<< SEARCH
            return total
            =======
            return float(total)
            >>>>>>> REPLACE

            These changes should make it faster.
            """
        #expect(
            try edits(answer) == [
                SearchReplace(search: "for i in range(n):\n    total += i", replace: "total = n * (n - 1) // 2"),
                SearchReplace(search: "return total", replace: "return float(total)"),
            ]
        )
    }

    @Test func crlfLineEndsGiveTheSameEditsAsLF() throws {
        let lf = """
            Here is the fix:
            <<<<<<< SEARCH
            a = 1
            b = 2
            =======
            a = 2
            >>>>>>> REPLACE
            Done.
            """
        let crlf = lf.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
        do {
            let parsed = try edits(crlf)
            #expect(parsed == [SearchReplace(search: "a = 1\nb = 2", replace: "a = 2")])
        }
        // One lone CR anywhere (old Mac line ends) makes the whole answer normalize.
        let mixed = crlf + "\r"
        #expect(try edits(mixed) == [SearchReplace(search: "a = 1\nb = 2", replace: "a = 2")])
    }

    @Test func normalizeNewlinesTurnsEveryLineEndIntoLF() {
        #expect(normalizeNewlines("a\rb\r\nc\n") == "a\nb\nc\n")
        do {
            #expect(normalizeNewlines("a\r\nb\r\n") == "a\nb\n")
            // A lone CR before a CRLF is two line ends; the CRLF pass glues "\r" and "\n" into one Character.
            #expect(normalizeNewlines("a\r\r\nb") == "a\n\nb")
        }
    }

    @Test func fenceWrappedInsideTheSectionsIsDropped() throws {
        let answer = """
            <<<<<<< SEARCH
            ```python
            def f(x):
                return x
            ```
            =======
            ```python
            def f(x):
                return 2 * x
            ```
            >>>>>>> REPLACE
            """
        #expect(try edits(answer) == [SearchReplace(search: "def f(x):\n    return x", replace: "def f(x):\n    return 2 * x")])
    }

    @Test func markerLinesToleratePaddingAndLongerRuns() throws {
        let answer = """
              <<<<<<<< SEARCH
            old
               =========
            new
            >>>>>>>>>  REPLACE
            """
        #expect(try edits(answer) == [SearchReplace(search: "old", replace: "new")])
    }

    @Test func blankLinesInsideSectionsAreKept() throws {
        let answer = """
            <<<<<<< SEARCH
            a = 1

            b = 2
            =======
            a = 1
            b = 2
            >>>>>>> REPLACE
            """
        #expect(try edits(answer) == [SearchReplace(search: "a = 1\n\nb = 2", replace: "a = 1\nb = 2")])
    }

    @Test(arguments: [
        // missing =======
        """
        <<<<<<< SEARCH
        a = 1
        >>>>>>> REPLACE
        """,
        // missing >>>>>>> REPLACE at the end of the answer
        """
        <<<<<<< SEARCH
        a = 1
        =======
        a = 2
        """,
        // a new SEARCH before the first block's REPLACE
        """
        <<<<<<< SEARCH
        a = 1
        =======
        a = 2
        <<<<<<< SEARCH
        b = 1
        =======
        b = 2
        >>>>>>> REPLACE
        """,
        // a second SEARCH while still in the search section
        """
        <<<<<<< SEARCH
        <<<<<<< SEARCH
        a = 1
        =======
        a = 2
        >>>>>>> REPLACE
        """,
        // a good block followed by an unterminated one
        """
        <<<<<<< SEARCH
        a = 1
        =======
        a = 2
        >>>>>>> REPLACE
        Now the second change:
        <<<<<<< SEARCH
        b = 1
        """,
    ])
    func malformedBlocksAreRejected(answer: String) {
        #expect(rejection(answer) == .malformedBlock)
    }

    @Test func malformedMessageNamesTheBlockAndWhatIsMissing() {
        let answer = """
            <<<<<<< SEARCH
            a = 1
            =======
            a = 2
            >>>>>>> REPLACE
            <<<<<<< SEARCH
            b = 1
            >>>>>>> REPLACE
            """
        #expect {
            try Mutation.parse(answer)
        } throws: { error in
            guard let rejection = error as? MutationRejection else { return false }
            return rejection.kind == .malformedBlock && rejection.message.contains("block 2")
                && rejection.message.contains("=======")
        }
    }

    @Test(arguments: [
        "",
        "I think the program is already optimal.",
        "Change `return a + b` to `return a * b` on line 3.\nThat should do it.",
    ])
    func answerWithoutBlocksOrFenceIsNoBlocks(answer: String) {
        #expect(rejection(answer) == .noBlocks)
    }

    @Test func noBlocksMessageTellsTheModelTheFormat() {
        #expect {
            try Mutation.parse("Sure, here you go.")
        } throws: { error in
            (error as? MutationRejection)?.message.contains("<<<<<<< SEARCH") == true
        }
    }

    @Test func fencedProgramWithoutBlocksIsARewrite() throws {
        let answer = """
            Here is the whole improved program:

            ```python
            def solve(x):
                return x * 2
            ```

            It doubles the input.
            """
        #expect(try Mutation.parse(answer) == .rewrite("def solve(x):\n    return x * 2\n"))
    }

    @Test func rewritePrefersTheFenceWithTheEvolveBlockMarkers() throws {
        let answer = """
            First, a usage example that is long, long, long:
            ```
            print(solve(1))
            print(solve(2))
            print(solve(3))
            print(solve(4))
            ```
            And the program:
            ```python
            # EVOLVE-BLOCK-START
            def solve(x): return x + 1
            # EVOLVE-BLOCK-END
            ```
            """
        #expect(try Mutation.parse(answer) == .rewrite("# EVOLVE-BLOCK-START\ndef solve(x): return x + 1\n# EVOLVE-BLOCK-END\n"))
    }

    @Test func withoutMarkersTheLongestFenceIsTheRewrite() throws {
        let answer = """
            ```
            short()
            ```
            ```python
            def longer():
                return 1
            ```
            """
        #expect(try Mutation.parse(answer) == .rewrite("def longer():\n    return 1\n"))
    }

    @Test func blocksWinOverAFencedProgram() throws {
        let answer = """
            ```python
            def unrelated():
                pass
            ```
            <<<<<<< SEARCH
            a
            =======
            b
            >>>>>>> REPLACE
            """
        #expect(try Mutation.parse(answer) == .edits([SearchReplace(search: "a", replace: "b")]))
    }

    @Test func emptyFenceIsNotAProgram() {
        #expect(rejection("Nothing to change:\n```\n\n```") == .noBlocks)
    }

    @Test func renderedEditsParseBack() throws {
        let edits = [
            SearchReplace(search: "def f():\n    return 1", replace: "def f():\n    return 2"),
            SearchReplace(search: "x = [1, 2]", replace: ""),
        ]
        #expect(try Mutation.parse(Mutation.edits(edits).rendered) == .edits(edits))
    }

    /// Measured with the bundled model: 6 of 47 answers were prose that named the markers (the task
    /// echoed back, or "…the search function in the EVOLVE-BLOCK-START section"), which were taken
    /// as programs and rejected for broken markers instead of for having no code.
    @Test("prose that names the markers is no program", arguments: [
        "Propose one change. Keep the EVOLVE-BLOCK-START and EVOLVE-BLOCK-END lines and everything outside them unchanged.",
        "Proposed change: a wider range.\n\nWhy: it can be done by modifying the `search` function in the EVOLVE-BLOCK-START section.",
    ])
    func proseNamingTheMarkersIsNoProgram(_ answer: String) {
        #expect(throws: MutationRejection.self) { try Mutation.parse(answer) }
        do { _ = try Mutation.parse(answer) } catch { #expect(error.kind == .noBlocks) }
    }

    @Test func anUnfencedProgramWithMarkerLinesIsStillARewrite() throws {
        let answer = "import math\n    # EVOLVE-BLOCK-START\ndef solve(x): return x + 1\n// EVOLVE-BLOCK-END"
        #expect(try Mutation.parse(answer) == .rewrite(answer))
    }
}
