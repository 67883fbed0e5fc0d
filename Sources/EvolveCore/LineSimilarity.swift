/// How alike two runs of program lines are, for placing a SEARCH part that does not match exactly.
///
/// Lines are compared as UTF-8 bytes with their indentation and trailing whitespace removed and
/// inner runs of whitespace collapsed, so that a uniformly re-indented block scores 1. Two lines
/// score their normalized edit distance (1 − distance / longer length); pairs below `minimumLineSimilarity`
/// count 0, so unrelated lines add nothing. A run of lines scores the best in-order pairing of
/// its lines with the other run's (an alignment, as `diff` makes): twice the summed pair scores
/// over both runs' line counts. A missing or an extra line therefore costs about 1 / count.
enum LineSimilarity {
    /// Line pairs less alike than this count as unrelated.
    static let minimumLineSimilarity = 0.5
    /// Longer lines (a data table, say) count as alike only when equal: the edit distance takes
    /// time quadratic in the length.
    static let longestComparedLine = 1_000

    /// A line as compared: its UTF-8 bytes without indentation or trailing whitespace, inner
    /// whitespace runs as one space, and a coarse count of its bytes for a quick lower bound.
    struct Line {
        var bytes: [UInt8]
        /// Bytes per bucket (`byte & 63`): lines whose counts differ a lot cannot be alike.
        var buckets: [Int16]

        init(_ line: some StringProtocol) {
            var bytes: [UInt8] = []
            var pendingSpace = false
            for byte in line.utf8 {
                if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                    pendingSpace = !bytes.isEmpty
                } else {
                    if pendingSpace { bytes.append(UInt8(ascii: " ")) }
                    pendingSpace = false
                    bytes.append(byte)
                }
            }
            self.bytes = bytes
            buckets = [Int16](repeating: 0, count: 64)
            for byte in bytes { buckets[Int(byte & 63)] &+= 1 }
        }

        var isEmpty: Bool { bytes.isEmpty }
    }

    /// 1 − edit distance / longer length, or 0 below `minimumLineSimilarity`.
    static func ratio(_ a: Line, _ b: Line) -> Double {
        if a.bytes == b.bytes { return 1 }
        guard max(a.bytes.count, b.bytes.count) <= longestComparedLine else { return 0 }
        let longer = Double(max(a.bytes.count, b.bytes.count))
        // Cheap lower bounds on the distance first: the difference in length, then in byte counts.
        guard Double(min(a.bytes.count, b.bytes.count)) / longer >= minimumLineSimilarity,
            1 - Double(bucketDistance(a, b)) / longer >= minimumLineSimilarity
        else { return 0 }
        let similarity = 1 - Double(editDistance(a.bytes, b.bytes)) / longer
        return similarity >= minimumLineSimilarity ? similarity : 0
    }

    /// A lower bound on the edit distance: each edit changes at most one byte's bucket count each way.
    static func bucketDistance(_ a: Line, _ b: Line) -> Int {
        var surplus = 0, deficit = 0
        for bucket in 0..<64 {
            let difference = Int(a.buckets[bucket]) - Int(b.buckets[bucket])
            if difference > 0 { surplus += difference } else { deficit -= difference }
        }
        return max(surplus, deficit)
    }

    /// Levenshtein distance: insertions, deletions and substitutions of one byte each cost 1.
    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var row = Array(0...b.count)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                row.withUnsafeMutableBufferPointer { row in
                    for i in 0..<a.count {
                        var diagonal = row[0]
                        row[0] = i + 1
                        for j in 0..<b.count {
                            let above = row[j + 1]
                            row[j + 1] = min(above + 1, row[j] + 1, diagonal + (a[i] == b[j] ? 0 : 1))
                            diagonal = above
                        }
                    }
                }
            }
        }
        return row[b.count]
    }

    /// For every prefix of `columns` (1...columns.count lines), the similarity of `rows` to it.
    ///
    /// `pair(i, j)` is the score of row line `i` against column line `j`. One alignment table
    /// serves all the window lengths that start at the same line.
    static func prefixScores(rows: Int, columns: Int, pair: (Int, Int) -> Double) -> [Double] {
        guard rows > 0, columns > 0 else { return [] }
        var previous = [Double](repeating: 0, count: columns + 1)
        var current = previous
        for i in 0..<rows {
            current[0] = 0
            for j in 0..<columns {
                current[j + 1] = max(previous[j + 1], current[j], previous[j] + pair(i, j))
            }
            swap(&previous, &current)
        }
        return (1...columns).map { 2 * previous[$0] / Double(rows + $0) }
    }

    /// The first pair (row, column) of a best alignment of `rows` with `columns`, if any pair scores above 0.
    static func firstAlignedPair(rows: Int, columns: Int, pair: (Int, Int) -> Double) -> (row: Int, column: Int)? {
        // best[i][j]: the best score aligning rows i... with columns j...
        var best = [[Double]](repeating: [Double](repeating: 0, count: columns + 1), count: rows + 1)
        for i in stride(from: rows - 1, through: 0, by: -1) {
            for j in stride(from: columns - 1, through: 0, by: -1) {
                best[i][j] = max(best[i + 1][j], best[i][j + 1], best[i + 1][j + 1] + pair(i, j))
            }
        }
        var (i, j) = (0, 0)
        while i < rows, j < columns {
            let score = pair(i, j)
            if score > 0, best[i][j] == best[i + 1][j + 1] + score { return (i, j) }
            if best[i][j] == best[i + 1][j] { i += 1 } else { j += 1 }
        }
        return nil
    }

    /// Two decimals, rounded down, so that a score shown as the threshold has reached it.
    static func format(_ similarity: Double) -> String {
        let hundredths = min(100, max(0, Int((similarity * 100 + 1e-9).rounded(.down))))
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }
}
