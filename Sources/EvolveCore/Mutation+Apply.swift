extension Mutation {
    /// Applies the mutation to `parent` with exact and whitespace-tolerant matching only
    /// (`DiffMatching.exact`); see `applying(to:matching:)`.
    public func apply(to parent: String) throws(MutationRejection) -> String {
        try applying(to: parent, matching: .exact).code
    }

    /// Applies the mutation to `parent`, changing text inside EVOLVE-BLOCK regions only.
    ///
    /// Edits apply in order, each to the result of the previous one. A SEARCH must match exactly
    /// once inside a region: first exactly, then ignoring trailing whitespace, then ignoring
    /// indentation (re-indenting the replacement), each looser match accepted only when unique;
    /// then, as `matching` allows, the one run of lines that is clearly the most similar.
    /// A rewrite's regions are spliced into the parent; everything outside the markers is kept,
    /// except that Python imports the rewrite added above its regions move into the first one.
    /// A multi-file mutation (`.files`) applies to an encoded `ProgramTree` under `policy`.
    public func applying(to parent: String, matching: DiffMatching, policy: FilePolicy = FilePolicy()) throws(MutationRejection) -> AppliedMutation {
        let parent = normalizeNewlines(parent)
        let child: String
        var matches: [SearchMatch] = []
        var movedImports: [String] = []
        switch self {
        case .edits(let edits):
            var document = try Document(parent)
            for (index, edit) in edits.enumerated() {
                matches.append(try document.apply(edit, number: index + 1, of: edits.count, matching: matching))
            }
            child = document.text
        case .rewrite(let program):
            (child, movedImports) = try Self.splice(rewrite: normalizeNewlines(program), into: parent)
        case .files(let changes):
            return try Self.apply(changes, to: parent, matching: matching, policy: policy)
        }
        if child == parent {
            throw MutationRejection(.identical, "The change leaves the program identical to its parent; propose a real change.")
        }
        return AppliedMutation(code: child, matches: matches, movedImports: movedImports)
    }

    /// The child of a rewrite, and the import lines moved into its first region (see `addedImports`).
    private static func splice(rewrite: String, into parent: String) throws(MutationRejection) -> (String, [String]) {
        let parentDocument = try Document(parent)
        let rewriteLines = rewrite.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard parentDocument.hasMarkers else { return (rewrite, []) }
        var lines = parentDocument.lines
        let parentRegions = parentDocument.regionLineRanges
        if EvolveBlock.hasMarkers(rewrite) {
            let rewriteDocument = try Document(rewrite, owner: "The rewritten program's")
            let newRegions = rewriteDocument.regionLineRanges
            guard newRegions.count == parentRegions.count else {
                throw MutationRejection(
                    .markersChanged,
                    "The rewrite has \(newRegions.count) EVOLVE-BLOCK regions but the program has \(parentRegions.count); keep every marker line."
                )
            }
            let imports = addedImports(in: rewriteDocument, parent: parentDocument)
            for (number, (old, new)) in zip(parentRegions, newRegions).enumerated().reversed() {
                let region = Array(rewriteDocument.lines[new])
                lines.replaceSubrange(old, with: number == 0 ? prepending(imports, to: region) : region)
            }
            return (lines.joined(separator: "\n"), imports)
        }
        guard parentRegions.count == 1, let region = parentRegions.first else {
            throw MutationRejection(
                .markersChanged,
                "The rewrite has no EVOLVE-BLOCK markers but the program has \(parentRegions.count) regions; return the whole program with its markers."
            )
        }
        // Markers dropped: keep only what differs from the parent's fixed text around the region.
        let prefix = lines[..<(region.lowerBound - 1)]
        var suffix = lines[(region.upperBound + 1)...]
        while suffix.last?.trimmingWhitespace().isEmpty == true { suffix.removeLast() }
        var body = ArraySlice(rewriteLines)
        while body.last?.trimmingWhitespace().isEmpty == true { body.removeLast() }
        var prefixIndex = prefix.startIndex
        while prefixIndex < prefix.endIndex, let first = body.first, first == prefix[prefixIndex] {
            body.removeFirst()
            prefixIndex += 1
        }
        var suffixIndex = suffix.endIndex
        while suffixIndex > suffix.startIndex, let last = body.last, last == suffix[suffixIndex - 1] {
            body.removeLast()
            suffixIndex -= 1
        }
        lines.replaceSubrange(region, with: body)
        return (lines.joined(separator: "\n"), [])
    }
}

/// A program as lines, with the editable line ranges between marker lines.
struct Document {
    var lines: [String]
    /// For each line, the region it belongs to (nil: a marker or text outside every region).
    var regionOfLine: [Int?]
    var hasMarkers: Bool

    /// `owner` starts the message of broken markers ("The program's", "The rewritten program's").
    init(_ text: String, owner: String = "The program's") throws(MutationRejection) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        regionOfLine = []
        hasMarkers = false
        do { try computeRegions() } catch {
            throw MutationRejection(.markersChanged, "\(owner) EVOLVE-BLOCK markers are broken: \(error.message)")
        }
    }

    var text: String { lines.joined(separator: "\n") }

    var regionLineRanges: [Range<Int>] {
        var ranges: [Range<Int>] = []
        var index = 0
        while index < lines.count {
            guard let region = regionOfLine[index] else {
                // An empty region sits right after its start marker.
                if hasMarkers, EvolveBlock.isMarkerLine(lines[index], EvolveBlock.startMarker),
                    index + 1 < lines.count, EvolveBlock.isMarkerLine(lines[index + 1], EvolveBlock.endMarker)
                {
                    ranges.append((index + 1)..<(index + 1))
                }
                index += 1
                continue
            }
            let start = index
            while index < lines.count, regionOfLine[index] == region { index += 1 }
            ranges.append(start..<index)
        }
        return ranges
    }

    private mutating func computeRegions() throws(EvolveBlock.MarkerError) {
        hasMarkers = lines.contains { EvolveBlock.isMarkerLine($0) }
        guard hasMarkers else {
            regionOfLine = Array(repeating: 0, count: lines.count)
            return
        }
        regionOfLine = Array(repeating: nil, count: lines.count)
        var open: Int?
        var regionCount = 0
        for (index, line) in lines.enumerated() {
            if EvolveBlock.isMarkerLine(line, EvolveBlock.startMarker) {
                if let open { throw .init(line: index + 1, message: "a second \(EvolveBlock.startMarker) inside the block opened on line \(open + 1)") }
                open = index
            } else if EvolveBlock.isMarkerLine(line, EvolveBlock.endMarker) {
                guard open != nil else { throw .init(line: index + 1, message: "\(EvolveBlock.endMarker) without a \(EvolveBlock.startMarker)") }
                open = nil
                regionCount += 1
            } else if open != nil {
                regionOfLine[index] = regionCount
            }
        }
        if let open { throw .init(line: open + 1, message: "\(EvolveBlock.startMarker) is never closed") }
    }

    private enum Tolerance: CaseIterable {
        case exact, trailingWhitespace, indentation

        var kind: SearchMatch.Kind {
            switch self {
            case .exact: return .exact
            case .trailingWhitespace: return .trailingWhitespace
            case .indentation: return .indentation
            }
        }

        func same(_ a: String, _ b: String) -> Bool {
            switch self {
            case .exact: return a == b
            case .trailingWhitespace: return a.trimmingTrailingWhitespace() == b.trimmingTrailingWhitespace()
            case .indentation: return a.trimmingWhitespace() == b.trimmingWhitespace()
            }
        }
    }

    mutating func apply(_ edit: SearchReplace, number: Int, of total: Int, matching: DiffMatching) throws(MutationRejection) -> SearchMatch {
        let label = total == 1 ? "The SEARCH block" : "SEARCH block \(number)"
        let (search, replace) = try Self.parts(of: edit, label: label)
        func placed(_ range: Range<Int>, _ kind: SearchMatch.Kind, _ replacement: [String], _ similarity: Double = 1) -> SearchMatch {
            replaceLines(range, with: replacement)
            return SearchMatch(part: number, of: total, kind: kind, lines: (range.lowerBound + 1)...range.upperBound, similarity: similarity)
        }
        if let (start, tolerance) = try wholeLineMatch(search, label: label) {
            let range = start..<(start + search.count)
            let replacement = tolerance == .indentation ? reindent(replace, from: search, to: Array(lines[range])) : replace
            return placed(range, tolerance.kind, replacement)
        }
        let ranking = WindowRanking(scoredWindows(for: search))
        switch ranking.verdict(matching) {
        case .accept(let window):
            return placed(window.range, .similar, reindent(replace, from: search, to: window), window.similarity)
        case .ambiguous(let best, let rival):
            throw MutationRejection(
                .ambiguous,
                "\(label) does not match the program exactly, and two places are about equally close; copy the lines you mean "
                    + "exactly as they appear, with enough lines around them to tell the places apart. "
                    + "One is \(quote(best))\nThe other is \(quote(rival))"
            )
        case .tooFar:
            throw noMatch(search, label: label, closest: ranking.best)
        }
    }

    /// The SEARCH part's lines without blank lines at either end, and the REPLACE part's lines.
    private static func parts(of edit: SearchReplace, label: String) throws(MutationRejection) -> (search: [String], replace: [String]) {
        var search = edit.search.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while search.first?.trimmingWhitespace().isEmpty == true { search.removeFirst() }
        while search.last?.trimmingWhitespace().isEmpty == true { search.removeLast() }
        guard !search.isEmpty else {
            throw MutationRejection(.emptySearch, "\(label) is empty; copy the exact lines to change into it.")
        }
        let replace = edit.replace.isEmpty ? [] : edit.replace.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if replace.contains(where: { EvolveBlock.isMarkerLine($0) }) || search.contains(where: { EvolveBlock.isMarkerLine($0) }) {
            throw MutationRejection(.outsideEvolveBlock, "\(label) touches an EVOLVE-BLOCK marker line; change only the lines between the markers.")
        }
        return (search, replace)
    }

    /// The one place inside a region where every SEARCH line matches, exactly or with the
    /// loosest tolerance needed; nil when no tolerance finds one anywhere.
    private func wholeLineMatch(_ search: [String], label: String) throws(MutationRejection) -> (start: Int, tolerance: Tolerance)? {
        for tolerance in Tolerance.allCases {
            var inside: [Int] = []
            var outside = 0
            for start in stride(from: 0, through: lines.count - search.count, by: 1)
            where (0..<search.count).allSatisfy({ tolerance.same(lines[start + $0], search[$0]) }) {
                let region = regionOfLine[start]
                if region != nil, (start..<(start + search.count)).allSatisfy({ regionOfLine[$0] == region }) {
                    inside.append(start)
                } else {
                    outside += 1
                }
            }
            if inside.count > 1 {
                throw MutationRejection(
                    .ambiguous,
                    "\(label) matches \(inside.count) places (lines \(inside.map { String($0 + 1) }.joined(separator: ", "))); include more surrounding lines so it matches exactly one."
                )
            }
            if let start = inside.first { return (start, tolerance) }
            if outside > 0 {
                throw MutationRejection(
                    .outsideEvolveBlock,
                    "\(label) matches only text outside the EVOLVE-BLOCK regions; change only the lines between EVOLVE-BLOCK-START and EVOLVE-BLOCK-END."
                )
            }
        }
        return nil
    }

    /// The rejection of a SEARCH part found nowhere, quoting the closest lines when some are close.
    private func noMatch(_ search: [String], label: String, closest: ScoredWindow?) -> MutationRejection {
        let firstLine = search.first!.trimmingWhitespace()
        var message = "\(label) does not match the current program (its first line is `\(firstLine.prefix(80))`); copy the lines to replace exactly as they appear in the program."
        if let closest, closest.similarity >= Self.closestWorthQuoting {
            message += " The closest are \(quote(closest))"
        }
        return MutationRejection(.noMatch, message)
    }

    /// Runs of lines less similar than this are not quoted back: they would mislead more than help.
    static let closestWorthQuoting = 0.3

    private mutating func replaceLines(_ range: Range<Int>, with replacement: [String]) {
        let region = regionOfLine[range.lowerBound]
        lines.replaceSubrange(range, with: replacement)
        regionOfLine.replaceSubrange(range, with: Array(repeating: region, count: replacement.count))
    }

    /// Moves replacement lines from the SEARCH text's indentation to the matched lines' indentation.
    private func reindent(_ replace: [String], from search: [String], to matched: [String]) -> [String] {
        guard let searchFirst = search.first(where: { !$0.trimmingWhitespace().isEmpty }),
            let matchedFirst = matched.first(where: { !$0.trimmingWhitespace().isEmpty })
        else { return replace }
        return reindent(replace, from: searchFirst.leadingWhitespace, to: matchedFirst.leadingWhitespace)
    }

    /// Moves replacement lines from indentation `oldIndent` to `newIndent`.
    func reindent(_ replace: [String], from oldIndent: Substring, to newIndent: Substring) -> [String] {
        guard oldIndent != newIndent else { return replace }
        return replace.map { line in
            guard !line.trimmingWhitespace().isEmpty else { return line }
            if line.hasPrefix(oldIndent) { return String(newIndent) + line.dropFirst(oldIndent.count) }
            return String(newIndent) + line
        }
    }
}
