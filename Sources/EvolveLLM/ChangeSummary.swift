import EvolveCore
import Foundation

/// What a child changed in its parent, read from the line diff without asking a model: how many
/// lines were added and removed, where, in which function, and the first comment the change added.
public struct ChangeSummary: Sendable, Hashable {
    public var added: Int
    public var removed: Int
    /// The parent's lines the change spans, 1-based; for a pure insertion, the line it follows (0: the top).
    public var lines: ClosedRange<Int>
    /// The names of the definitions (function, class) around the first and the last change.
    public var functions: [String]
    /// The first comment line among the added lines, without its comment marker.
    public var comment: String?

    /// Middles (the lines between the common start and end) larger than this product are counted
    /// as removed and added whole instead of diffed.
    static let diffCells = 250_000

    public init(from parent: String, to child: String) {
        let old = parent.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let new = child.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var prefix = 0
        while prefix < min(old.count, new.count), old[prefix] == new[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < min(old.count, new.count) - prefix, old[old.count - 1 - suffix] == new[new.count - 1 - suffix] { suffix += 1 }
        let oldMiddle = Array(old[prefix..<(old.count - suffix)]), newMiddle = Array(new[prefix..<(new.count - suffix)])
        let addedLines = Self.addedLines(oldMiddle, newMiddle)
        added = addedLines.count
        removed = oldMiddle.count - (newMiddle.count - added)
        lines = oldMiddle.isEmpty ? prefix...prefix : (prefix + 1)...(prefix + oldMiddle.count)
        let first = Self.definition(around: prefix, in: old)
        let last = Self.definition(around: prefix + max(0, oldMiddle.count - 1), in: old)
        functions = [first, last].compactMap { $0 }.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
        comment = addedLines.lazy.compactMap(Self.commentText).first
    }

    /// In words: `in solve (lines 12–18): 5 lines added, 2 removed; comment "use a table"`; without
    /// a known definition around it, `lines 12–18: ...`.
    public var text: String {
        guard added + removed > 0 else { return "no change" }
        let place = lines.count == 1 && removed == 0 ? "after line \(lines.lowerBound)"
            : lines.count == 1 ? "line \(lines.lowerBound)" : "lines \(lines.lowerBound)–\(lines.upperBound)"
        let counts = "\(added) line\(added == 1 ? "" : "s") added, \(removed) removed"
        var text = functions.isEmpty ? "\(place): \(counts)" : "in \(functions.joined(separator: " to ")) (\(place)): \(counts)"
        if let comment { text += "; comment \"\(comment)\"" }
        return text
    }

    /// The lines of `new` that are not in the longest common subsequence with `old`.
    static func addedLines(_ old: [String], _ new: [String]) -> [String] {
        guard !old.isEmpty, !new.isEmpty, old.count * new.count <= diffCells else { return new }
        return LineDiff.lines(from: old.joined(separator: "\n"), to: new.joined(separator: "\n"))
            .filter { $0.kind == "+" }.map(\.text)
    }

    /// The name of the nearest definition at or above line `index` (0-based).
    static func definition(around index: Int, in lines: [String]) -> String? {
        guard !lines.isEmpty else { return nil }
        for line in lines[...min(index, lines.count - 1)].reversed() {
            if let name = definitionName(line) { return name }
        }
        return nil
    }

    static let definitionKeywords = ["def", "async def", "class", "func", "fn", "pub fn", "function", "struct", "impl", "sub"]
    static let notDefinitions: Set<String> = ["if", "for", "while", "switch", "return", "else", "catch", "do", "sizeof"]

    /// `solve` for `def solve(items):`, `int solve(int n) {` or `fn solve() -> u32 {`; nil for other lines.
    static func definitionName(_ line: String) -> String? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        for keyword in definitionKeywords where trimmed.hasPrefix(keyword + " ") {
            let name = trimmed.dropFirst(keyword.count + 1).prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            return name.isEmpty ? nil : String(name)
        }
        // A C-like definition: at the margin, a type, a name and parameters (`int solve(int n) {`).
        guard line.first?.isLetter == true, let open = trimmed.firstIndex(of: "("), !trimmed.hasSuffix(";"),
            trimmed.hasSuffix("{") || trimmed.hasSuffix(")") || trimmed.hasSuffix("const")
        else { return nil }
        let head = trimmed[..<open].trimmingCharacters(in: .whitespaces)
        guard head.contains(" "), !head.contains("=") else { return nil }
        let word = String(head.reversed().prefix { $0.isLetter || $0.isNumber || $0 == "_" }.reversed())
        return word.isEmpty || notDefinitions.contains(word) || notDefinitions.contains(String(head.prefix { $0 != " " })) ? nil : word
    }

    /// The text of a comment line (`# ...`, `// ...`, `/* ... */`, `-- ...`), or nil.
    static func commentText(_ line: String) -> String? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.contains("EVOLVE-BLOCK") else { return nil }
        for marker in ["//", "/*", "#", "--"] where trimmed.hasPrefix(marker) {
            if marker == "#", ["#include", "#define", "#!", "#[", "#if", "#pragma"].contains(where: trimmed.hasPrefix) { return nil }
            let text = trimmed.dropFirst(marker.count).trimmingCharacters(in: CharacterSet(charactersIn: "/*#- \t"))
            return text.contains(where: \.isLetter) ? String(text.prefix(100)) : nil
        }
        return nil
    }
}
