/// A mutation applied to a parent: the child's code and where each SEARCH part was placed.
public struct AppliedMutation: Sendable, Hashable {
    public var code: String
    /// One per SEARCH part, in order; empty for a rewrite.
    public var matches: [SearchMatch]
    /// Import lines a rewrite added outside its EVOLVE-BLOCKs, moved to the top of the first one.
    public var movedImports: [String]

    public init(code: String, matches: [SearchMatch], movedImports: [String] = []) {
        self.code = code
        self.matches = matches
        self.movedImports = movedImports
    }

    /// The loosest way any SEARCH part was placed (`.exact` for a rewrite).
    public var loosest: SearchMatch.Kind {
        matches.map(\.kind).max() ?? .exact
    }

    /// A sentence per SEARCH part that was not found exactly, and one for moved imports, for the
    /// record; nil when there is nothing to say.
    public var note: String? {
        var notes = matches.compactMap(\.note)
        if !movedImports.isEmpty {
            let quoted = movedImports.map { "`\($0)`" }.joined(separator: ", ")
            notes.append("The rewrite's imports above the EVOLVE-BLOCK (\(quoted)) were moved to the top of the block, since only the block is kept")
        }
        return notes.isEmpty ? nil : notes.joined(separator: "\n")
    }

    /// The mutation as recorded: its rendered text, after the note when there is one.
    public func rendered(_ mutation: Mutation) -> String {
        guard let note else { return mutation.rendered }
        return "(\(note))\n" + mutation.rendered
    }
}

/// Where one SEARCH part was found.
public struct SearchMatch: Sendable, Hashable {
    /// How loosely the part matched, from exact to merely similar (ordered).
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        case exact
        case trailingWhitespace = "trailing_whitespace"
        case indentation
        case similar

        public static func < (lhs: Kind, rhs: Kind) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// The part's number (1-based) among the mutation's SEARCH parts.
    public var part: Int
    /// How many parts the mutation has (to say "The SEARCH block" when there is only one).
    public var of: Int
    public var kind: Kind
    /// The lines it replaced (1-based, in the program as it was when this part applied).
    public var lines: ClosedRange<Int>
    /// 1 unless `kind` is `.similar`.
    public var similarity: Double

    public init(part: Int, of: Int, kind: Kind, lines: ClosedRange<Int>, similarity: Double = 1) {
        self.part = part
        self.of = of
        self.kind = kind
        self.lines = lines
        self.similarity = similarity
    }

    /// A sentence saying how the part was placed, or nil for an exact match.
    public var note: String? {
        let label = of == 1 ? "The SEARCH block" : "SEARCH block \(part)"
        let place = lineSpan(lines)
        switch kind {
        case .exact: return nil
        case .trailingWhitespace: return "\(label) matched \(place) ignoring trailing whitespace"
        case .indentation: return "\(label) matched \(place) ignoring indentation (the replacement was re-indented)"
        case .similar: return "\(label) matched \(place) at similarity \(LineSimilarity.format(similarity))"
        }
    }
}

/// "line 7" or "lines 14–19" (1-based line numbers).
func lineSpan(_ lines: ClosedRange<Int>) -> String {
    lines.count == 1 ? "line \(lines.lowerBound)" : "lines \(lines.lowerBound)–\(lines.upperBound)"
}
