import EvolveCore
import Foundation
import Testing

/// Every default of evolve.yaml is written once, in the configuration structs; the reference table
/// in docs/problem-directory.md must say the same. An empty evolve.yaml is decoded and each row of
/// the table checked against what it decoded to.
@Suite struct ConfigurationDefaultsTests {
    static let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/problem-directory.md")

    /// Rows whose default is not a value the decoder can hold: chosen from the file or the
    /// machine when the run starts, or resolved per model.
    static let resolvedLater: Set<String> = [
        "language", "sandbox.docker.host", "environment.requirements", "search.max_islands", "search.novelty",
        "evaluator.command", "llm.retries", "sandbox.slurm.time", "sandbox.slurm.shared_directory",
    ]

    /// Sections that are off unless given: their keys' defaults are those of the section given empty.
    static let optionalSections = ["search.meta_prompt": "search: {meta_prompt: {}}\n", "evaluator.model": "evaluator: {model: {}}\n"]

    /// The reference table's rows: key and default cell.
    static func rows() throws -> [(key: String, cell: String)] {
        try String(contentsOf: reference, encoding: .utf8).split(separator: "\n").compactMap { line in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4, cells[1].hasPrefix("`"), cells[1].hasSuffix("`") else { return nil }
            return (String(cells[1].dropFirst().dropLast()), cells[2])
        }
    }

    /// The value at a dotted key of the decoded configuration, encoded as JSON; nil when absent.
    static func value(at key: String, in object: Any) -> Any? {
        key.split(separator: ".").reduce(Optional(object)) { current, part in
            (current as? [String: Any])?[String(part)].flatMap { $0 is NSNull ? nil : $0 }
        }
    }

    /// The cell's value: the first `code` span, or a quoted string; nil for none / unset / per model.
    static func expected(_ cell: String) -> String? {
        if cell.hasPrefix("\"") { return String(cell.dropFirst().prefix { $0 != "\"" }) }
        guard cell.hasPrefix("`") else { return nil }
        return String(cell.dropFirst().prefix { $0 != "`" })
    }

    static func matches(_ value: Any, _ text: String) -> Bool {
        // A number first: JSON's 0 and 1 also read as booleans.
        if let number = value as? NSNumber, let expected = Double(text) { return abs(expected - number.doubleValue) < 1e-12 }
        switch value {
        case let flag as Bool: return text == String(flag)
        case let string as String: return string == text
        case let list as [Any]:
            let items = text.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(separator: ",")
                .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")) }
            return list.count == items.count && zip(list, items).allSatisfy { matches($0, $1) }
        case let map as [String: Any]: return map.isEmpty && text == "{}"
        default: return false
        }
    }

    @Test("an empty evolve.yaml decodes to exactly the defaults the reference table gives")
    func defaultsMatchTheReference() throws {
        let configuration = try ProblemConfiguration.parse(yaml: "{}\n", file: "evolve.yaml")
        let encoder = JSONEncoder()
        let object = try JSONSerialization.jsonObject(with: encoder.encode(configuration))
        let rows = try Self.rows()
        #expect(rows.count > 60, "the reference table was not found in \(Self.reference.path)")
        for (key, cell) in rows where !Self.resolvedLater.contains(key) {
            var value = Self.value(at: key, in: object)
            if let (section, yaml) = Self.optionalSections.first(where: { key.hasPrefix($0.key + ".") }), value == nil, Self.expected(cell) != nil {
                let given = try JSONSerialization.jsonObject(with: encoder.encode(ProblemConfiguration.parse(yaml: yaml, file: section)))
                value = Self.value(at: key, in: given)
            }
            guard let text = Self.expected(cell) else {
                #expect(value == nil, "`\(key)`: the table says \(cell), the decoder has \(String(describing: value))")
                continue
            }
            guard let value else {
                // A section left out decodes to its own defaults only when given: read them from the section's struct.
                Issue.record("`\(key)`: the table says \(text), the decoder has nothing")
                continue
            }
            #expect(Self.matches(value, text), "`\(key)`: the table says \(text), the decoder has \(value)")
        }
        // Resolved per model: 2 answer retries, none for the bundled model.
        #expect(configuration.answerRetries == 2)
        var bundled = configuration
        bundled.llm.provider = .bundled
        #expect(bundled.answerRetries == 0 && bundled.mode == .rewrite && configuration.mode == .diff)
    }
}
