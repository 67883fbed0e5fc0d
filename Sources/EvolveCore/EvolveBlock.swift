/// The regions of a program the model may change: the lines between an `EVOLVE-BLOCK-START` line
/// and the next `EVOLVE-BLOCK-END` line. The marker lines themselves are never editable.
/// A program without markers is editable as a whole.
public enum EvolveBlock {
    public static let startMarker = "EVOLVE-BLOCK-START"
    public static let endMarker = "EVOLVE-BLOCK-END"

    public struct MarkerError: Error, Sendable, Hashable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// True when a line of `text` is a marker line (see `isMarkerLine`).
    public static func hasMarkers(_ text: String) -> Bool {
        guard text.contains(startMarker) || text.contains(endMarker) else { return false }
        return text.split(whereSeparator: \.isNewline).contains { isMarkerLine($0) }
    }

    /// True when `line` is a start or an end marker line.
    public static func isMarkerLine(_ line: some StringProtocol) -> Bool {
        isMarkerLine(line, startMarker) || isMarkerLine(line, endMarker)
    }

    /// True when `line` is a marker line: the marker after nothing but indentation and comment
    /// punctuation (`# `, `// `, `<!-- `), not a sentence that mentions it.
    public static func isMarkerLine(_ line: some StringProtocol, _ marker: String) -> Bool {
        guard let range = line.firstRange(of: marker) else { return false }
        return !line[..<range.lowerBound].contains { $0.isLetter || $0.isNumber }
    }

    /// The text of each editable region, in order; throws when the markers do not pair up.
    public static func regionTexts(in code: String) throws(MutationRejection) -> [String] {
        let document = try Document(normalizeNewlines(code))
        return document.regionLineRanges.map { document.lines[$0].joined(separator: "\n") }
    }
}
