extension Mutation {
    /// Reads a mutation out of free model text.
    ///
    /// SEARCH/REPLACE blocks are found anywhere in the text, inside or outside code fences, with any
    /// prose around them; CRLF line ends are accepted. When the text has no blocks, a fenced program
    /// (the fence holding the EVOLVE-BLOCK markers, else the longest fence) is taken as a rewrite.
    public static func parse(_ answer: String) throws(MutationRejection) -> Mutation {
        let lines = normalizeNewlines(answer).split(separator: "\n", omittingEmptySubsequences: false)
        let edits = try parseBlocks(lines)
        if !edits.isEmpty {
            return .edits(edits)
        }
        if let program = extractProgram(lines) {
            return .rewrite(program)
        }
        throw MutationRejection(
            .noBlocks,
            "The answer contained no SEARCH/REPLACE block and no fenced program. "
                + "Answer in the form the task asks for: blocks of the form <<<<<<< SEARCH / ======= / >>>>>>> REPLACE, "
                + "or the complete program in one fenced code block."
        )
    }

    enum MarkerLine { case search, divider, replace }

    static func marker(_ line: Substring) -> MarkerLine? {
        let text = line.trimmingWhitespace()
        func run(of character: Character) -> (count: Int, rest: Substring) {
            let count = text.prefix(while: { $0 == character }).count
            return (count, text.dropFirst(count).trimmingWhitespace())
        }
        let opening = run(of: "<")
        if opening.count >= 5, opening.rest.uppercased() == "SEARCH" { return .search }
        let closing = run(of: ">")
        if closing.count >= 5, closing.rest.uppercased() == "REPLACE" { return .replace }
        let divider = run(of: "=")
        if divider.count >= 5, divider.rest.isEmpty { return .divider }
        return nil
    }

    private static func parseBlocks(_ lines: [Substring]) throws(MutationRejection) -> [SearchReplace] {
        enum State { case outside, search, replace }
        var state = State.outside
        var search: [Substring] = []
        var replace: [Substring] = []
        var edits: [SearchReplace] = []
        func malformed(_ why: String) -> MutationRejection {
            MutationRejection(.malformedBlock, "SEARCH/REPLACE block \(edits.count + 1) is malformed: \(why).")
        }
        for line in lines {
            switch (state, marker(line)) {
            case (.outside, .search):
                state = .search
                search = []
                replace = []
            case (.outside, _):
                continue
            case (.search, .divider):
                state = .replace
            case (.search, .search), (.replace, .search):
                throw malformed("a new <<<<<<< SEARCH began before >>>>>>> REPLACE closed the block")
            case (.search, .replace):
                throw malformed("it has no ======= line between the SEARCH and REPLACE parts")
            case (.search, nil):
                search.append(line)
            case (.replace, .replace):
                edits.append(SearchReplace(search: joinSection(search), replace: joinSection(replace)))
                state = .outside
            case (.replace, .divider), (.replace, nil):
                replace.append(line)
            }
        }
        if state != .outside {
            throw malformed("it is not closed with a >>>>>>> REPLACE line")
        }
        return edits
    }

    /// Joins a block section, dropping a code fence wrapped around its lines.
    private static func joinSection(_ lines: [Substring]) -> String {
        var lines = lines
        if let first = lines.first, first.trimmingWhitespace().hasPrefix("```"),
            let last = lines.last, lines.count >= 2, last.trimmingWhitespace() == "```"
        {
            lines.removeFirst()
            lines.removeLast()
        }
        return lines.joined(separator: "\n")
    }

    /// The program in a fenced code block, if any.
    private static func extractProgram(_ lines: [Substring]) -> String? {
        var fences: [[Substring]] = []
        var current: [Substring]?
        for line in lines {
            let trimmed = line.trimmingWhitespace()
            if current == nil {
                if trimmed.hasPrefix("```") { current = [] }
            } else if trimmed == "```" {
                fences.append(current!)
                current = nil
            } else {
                current!.append(line)
            }
        }
        if let unclosed = current, !unclosed.isEmpty {
            // An answer cut off by a token limit still carries a usable program only if its markers survived.
            if unclosed.contains(where: { EvolveBlock.isMarkerLine($0, EvolveBlock.endMarker) }) { fences.append(unclosed) }
        }
        let chosen =
            fences.first(where: { $0.contains(where: { EvolveBlock.isMarkerLine($0, EvolveBlock.startMarker) }) })
            ?? fences.max(by: { $0.count < $1.count })
        if let chosen, chosen.contains(where: { !$0.trimmingWhitespace().isEmpty }) {
            return chosen.joined(separator: "\n") + "\n"
        }
        // An unfenced program counts only with a real marker line: prose that names the markers
        // ("keep the EVOLVE-BLOCK-START line…", often the task echoed back) is no program.
        if lines.contains(where: { EvolveBlock.isMarkerLine($0, EvolveBlock.startMarker) }) {
            return lines.joined(separator: "\n")
        }
        return nil
    }
}

/// Turns CRLF and lone CR line ends into LF.
public func normalizeNewlines(_ text: String) -> String {
    // Scalars, not Characters: Swift treats "\r\n" as one Character.
    guard text.unicodeScalars.contains("\r") else { return text }
    var scalars = String.UnicodeScalarView()
    var previousWasCR = false
    for scalar in text.unicodeScalars {
        if scalar == "\r" {
            scalars.append("\n")
            previousWasCR = true
        } else {
            if !(scalar == "\n" && previousWasCR) { scalars.append(scalar) }
            previousWasCR = false
        }
    }
    return String(scalars)
}

extension StringProtocol {
    func trimmingWhitespace() -> Substring {
        let view = self[...]
        let start = view.firstIndex(where: { !$0.isWhitespace }) ?? view.endIndex
        let end = view.lastIndex(where: { !$0.isWhitespace }).map { view.index(after: $0) } ?? start
        return Substring(view[start..<Swift.max(start, end)])
    }

    func trimmingTrailingWhitespace() -> Substring {
        let view = self[...]
        let end = view.lastIndex(where: { !$0.isWhitespace }).map { view.index(after: $0) } ?? view.startIndex
        return Substring(view[view.startIndex..<end])
    }

    var leadingWhitespace: Substring {
        Substring(self[...].prefix(while: { $0 == " " || $0 == "\t" }))
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
