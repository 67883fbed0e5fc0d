/// One line of the dashboard: text in segments, each with an optional style. Tests read `plain`;
/// the terminal gets `ansi`, which wraps styled segments in SGR codes.
struct StyledLine: Sendable, Hashable {
    enum Style: String, Sendable, Hashable {
        case bold = "1"
        case dim = "2"
        case green = "32"
        case red = "31"
        case yellow = "33"
        case cyan = "36"
        case inverse = "7"
    }

    struct Segment: Sendable, Hashable {
        var text: String
        var style: Style?
    }

    private(set) var segments: [Segment] = []

    init(_ text: String = "", _ style: Style? = nil) {
        if !text.isEmpty { segments = [Segment(text: text, style: style)] }
    }

    var plain: String { segments.map(\.text).joined() }

    var count: Int { segments.reduce(0) { $0 + $1.text.count } }

    /// The line with its styles as SGR escape sequences, each reset after its segment.
    var ansi: String {
        segments.map { segment in
            guard let style = segment.style else { return segment.text }
            return "\u{1B}[\(style.rawValue)m\(segment.text)\u{1B}[0m"
        }.joined()
    }

    mutating func append(_ text: String, _ style: Style? = nil) {
        guard !text.isEmpty else { return }
        segments.append(Segment(text: text, style: style))
    }

    static func + (line: StyledLine, text: String) -> StyledLine {
        var copy = line
        copy.append(text)
        return copy
    }

    /// The line cut to `width` characters, the last one an ellipsis when something was cut.
    func clipped(to width: Int) -> StyledLine {
        guard count > width else { return self }
        guard width > 0 else { return StyledLine() }
        var result = StyledLine()
        var room = width - 1
        for segment in segments where room > 0 {
            let kept = String(segment.text.prefix(room))
            result.append(kept, segment.style)
            room -= kept.count
        }
        result.append("…")
        return result
    }
}
