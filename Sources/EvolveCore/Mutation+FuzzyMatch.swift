/// A run of a program's lines inside one EVOLVE-BLOCK region, scored against a SEARCH part.
struct ScoredWindow: Hashable {
    /// 0-based line indices; the first and last lines are never blank.
    var range: Range<Int>
    var similarity: Double

    var lineNumbers: ClosedRange<Int> { (range.lowerBound + 1)...range.upperBound }

    func overlaps(_ other: ScoredWindow) -> Bool { range.overlaps(other.range) }
}

/// The best-scoring run of lines for a SEARCH part, and the best one that does not overlap it.
struct WindowRanking {
    var best: ScoredWindow?
    var rival: ScoredWindow?

    init(_ windows: [ScoredWindow]) {
        // Strictly greater: among equal scores the earliest, shortest run wins.
        for window in windows where window.similarity > (best?.similarity ?? -1) { best = window }
        guard let best else { return }
        for window in windows where !window.overlaps(best) && window.similarity > (rival?.similarity ?? -1) {
            rival = window
        }
    }

    /// What `matching` makes of the ranking: the window to use, or why none may be used.
    enum Verdict { case accept(ScoredWindow), ambiguous(ScoredWindow, ScoredWindow), tooFar }

    func verdict(_ matching: DiffMatching) -> Verdict {
        guard matching.allowsSimilarLines, let best, best.similarity >= matching.threshold else { return .tooFar }
        if let rival, best.similarity - rival.similarity < matching.margin || rival.similarity >= best.similarity {
            return .ambiguous(best, rival)
        }
        return .accept(best)
    }
}

extension Document {
    /// Every run of non-blank-ended lines inside one region whose count of non-blank lines is
    /// within a few of the SEARCH part's, scored by `LineSimilarity`.
    func scoredWindows(for search: [String]) -> [ScoredWindow] {
        let wanted = search.map(LineSimilarity.Line.init).filter { !$0.isEmpty }
        guard !wanted.isEmpty else { return [] }
        let slack = min(3, max(1, wanted.count / 4))
        var windows: [ScoredWindow] = []
        for region in regionLineRanges {
            let content = region.filter { !lines[$0].trimmingWhitespace().isEmpty }
            let compared = content.map { LineSimilarity.Line(lines[$0]) }
            let pairs = wanted.map { line in compared.map { LineSimilarity.ratio(line, $0) } }
            let shortest = max(1, wanted.count - slack)
            for first in content.indices {
                let longest = min(wanted.count + slack, content.count - first)
                guard longest >= shortest else { break }
                let scores = LineSimilarity.prefixScores(rows: wanted.count, columns: longest) { pairs[$0][first + $1] }
                for length in shortest...longest {
                    let range = content[first]..<(content[first + length - 1] + 1)
                    windows.append(ScoredWindow(range: range, similarity: scores[length - 1]))
                }
            }
        }
        return windows
    }

    /// Moves the replacement from the SEARCH part's indentation to the window's, measured at the
    /// first pair of lines the alignment matches (the part's first line may be one the program lacks).
    func reindent(_ replace: [String], from search: [String], to window: ScoredWindow) -> [String] {
        let quoted = search.filter { !$0.trimmingWhitespace().isEmpty }
        let found = lines[window.range].filter { !$0.trimmingWhitespace().isEmpty }
        let (a, b) = (quoted.map(LineSimilarity.Line.init), found.map(LineSimilarity.Line.init))
        let pair = LineSimilarity.firstAlignedPair(rows: a.count, columns: b.count) { LineSimilarity.ratio(a[$0], b[$1]) }
        guard let pair else { return replace }
        return reindent(replace, from: quoted[pair.row].leadingWhitespace, to: found[pair.column].leadingWhitespace)
    }

    /// The lines of `window` for a rejection message: their numbers, then the text to copy.
    func quote(_ window: ScoredWindow, limit: Int = 30) -> String {
        let shown = lines[window.range].prefix(limit)
        let more = window.range.count - shown.count
        let header = "\(lineSpan(window.lineNumbers)) (similarity \(LineSimilarity.format(window.similarity)))"
        let body = shown.joined(separator: "\n") + (more > 0 ? "\n… (\(more) more lines)" : "")
        return "\(header):\n```\n\(body)\n```"
    }
}
