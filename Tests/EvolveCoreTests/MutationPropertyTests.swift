import EvolveCore
import PropertyBased
import Testing

/// A random program: distinct lines, one EVOLVE-BLOCK region between a head and a tail.
struct MarkedProgram: Sendable, CustomStringConvertible {
    static let start = "# EVOLVE-BLOCK-START"
    static let end = "# EVOLVE-BLOCK-END"

    var head: [String]
    var region: [String]
    var tail: [String]

    var lines: [String] { head + [Self.start] + region + [Self.end] + tail }
    var text: String { lines.joined(separator: "\n") + "\n" }
    var description: String { text }

    /// Cuts `words` into distinct code-like lines and splits them into head, region (at least one line) and tail.
    init(words: [String], cut1: Int, cut2: Int) {
        let lines = words.enumerated().map { index, word in
            String(repeating: "    ", count: word.count % 3) + "v\(index) = \(word)"
        }
        let regionStart = cut1 % (lines.count - 1)
        let regionEnd = regionStart + 1 + cut2 % (lines.count - regionStart)
        head = Array(lines[..<regionStart])
        region = Array(lines[regionStart..<regionEnd])
        tail = Array(lines[regionEnd...])
    }
}

@Suite struct MutationPropertyTests {
    static let programs = zip(
        Gen.letterOrNumber.string(of: 1...10).array(of: 2...30),
        Gen.int(in: 0...10_000),
        Gen.int(in: 0...10_000)
    ).map { words, cut1, cut2 in MarkedProgram(words: words, cut1: cut1, cut2: cut2) }

    /// Replacement text: a few lines of letters and spaces (possibly none, possibly blank lines).
    static let replacementLines = Gen<Character?>.element(of: Array("abcxyz09 ()+*")).map { $0! }
        .string(of: 0...12).array(of: 0...4)

    @Test func editInsideTheRegionAppliesAndNeverTouchesTheOutside() async {
        await propertyCheck(
            input: Self.programs, Gen.int(in: 0...10_000), Gen.int(in: 0...10_000), Self.replacementLines
        ) { program, a, b, replacementLines in
            let start = a % program.region.count
            let end = start + 1 + b % (program.region.count - start)
            let searched = Array(program.region[start..<end])
            // Every fifth case replaces the lines with themselves.
            let replace = a % 5 == 0 ? searched.joined(separator: "\n") : replacementLines.joined(separator: "\n")
            let mutation = Mutation.edits([SearchReplace(search: searched.joined(separator: "\n"), replace: replace)])
            let replaced = replace.isEmpty ? [] : replace.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)

            guard replaced != searched else {
                #expect(throws: MutationRejection.self) { try mutation.apply(to: program.text) }
                do { _ = try mutation.apply(to: program.text) } catch { #expect((error as? MutationRejection)?.kind == .identical) }
                return
            }
            let child = try mutation.apply(to: program.text)
            let childLines = child.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let expectedRegion = Array(program.region[..<start]) + replaced + Array(program.region[end...])
            #expect(childLines == program.head + [MarkedProgram.start] + expectedRegion + [MarkedProgram.end] + program.tail + [""])
            // Byte-identical outside the markers, whatever happened inside.
            let parentLines = program.lines + [""]
            #expect(childLines.prefix(program.head.count + 1) == parentLines.prefix(program.head.count + 1))
            #expect(childLines.suffix(program.tail.count + 2) == parentLines.suffix(program.tail.count + 2))
        }
    }

    @Test func searchTakenFromOutsideTheRegionIsAlwaysRejected() async {
        await propertyCheck(
            input: Self.programs, Gen.int(in: 0...10_000), Gen.int(in: 0...10_000), Gen.bool
        ) { program, a, b, reindent in
            // A run of lines from the head and start marker, or from the end marker and tail.
            let outside = a % 2 == 0 ? program.head + [MarkedProgram.start] : [MarkedProgram.end] + program.tail
            let start = (a / 2) % outside.count
            let end = start + 1 + b % (outside.count - start)
            // The model may also get the indentation wrong; the looser match must not reach outside either.
            let searched = outside[start..<end].map { reindent ? "  " + $0 : $0 }
            let mutation = Mutation.edits([SearchReplace(search: searched.joined(separator: "\n"), replace: "changed = True")])
            do {
                let child = try mutation.apply(to: program.text)
                Issue.record("a SEARCH from outside the region was applied:\n\(child)")
            } catch {
                #expect((error as? MutationRejection)?.kind == .outsideEvolveBlock)
            }
        }
    }

    /// A line of block content: anything but a marker line or a fence.
    static let contentLine = Gen<Character?>.element(of: Array("abXY09 \t=<>()#:._'\"")).map { $0! }
        .string(of: 0...14)
        .filter { !looksLikeMarker($0) }
    static let section = contentLine.array(of: 0...4).map { $0.joined(separator: "\n") }
    static let edits = zip(section, section).map { SearchReplace(search: $0, replace: $1) }.array(of: 1...4)
    /// Prose around the blocks: words, punctuation and backticks, never a marker.
    static let prose = Gen<Character?>.element(of: Array("Here is the fix. `code` ,;!?")).map { $0! }
        .string(of: 0...40).array(of: 0...3)

    @Test func renderedEditsEmbeddedInProseParseBack() async {
        await propertyCheck(
            input: Self.edits, Self.prose.array(of: 5), Gen.bool.array(of: 4)
        ) { edits, proses, fenced in
            var lines: [String] = []
            for (index, edit) in edits.enumerated() {
                lines += proses[index]
                lines += fenced[index] ? ["```python", edit.rendered, "```"] : [edit.rendered]
            }
            lines += proses[4]
            let answer = lines.joined(separator: "\n")
            let parsed = try Mutation.parse(answer)
            #expect(parsed == .edits(edits), "answer:\n\(answer)")
        }
    }

    static func looksLikeMarker(_ line: String) -> Bool {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        return trimmed.hasPrefix("<<<<<") || trimmed.hasPrefix(">>>>>") || trimmed.hasPrefix("=====")
            || trimmed.hasPrefix("```")
    }
}
