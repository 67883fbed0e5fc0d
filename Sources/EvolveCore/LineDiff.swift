/// A line diff of two texts (longest common subsequence), for showing what a child changed.
public enum LineDiff {
    public struct Line: Codable, Sendable, Hashable {
        /// " " kept, "+" added, "-" removed; "#" names the file that follows (multi-file programs).
        public var kind: String
        public var text: String
    }

    /// Texts longer than this many lines each are shown as removed and added whole.
    static let maximumLines = 3000

    public static func lines(from old: String, to new: String) -> [Line] {
        let a = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let b = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard a.count <= maximumLines, b.count <= maximumLines else {
            return a.map { Line(kind: "-", text: $0) } + b.map { Line(kind: "+", text: $0) }
        }
        // common[i][j]: the longest common subsequence of a[i...] and b[j...].
        var common = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                common[i][j] = a[i] == b[j] ? common[i + 1][j + 1] + 1 : max(common[i + 1][j], common[i][j + 1])
            }
        }
        var lines: [Line] = []
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                lines.append(Line(kind: " ", text: a[i])); i += 1; j += 1
            } else if j < b.count, i == a.count || common[i][j + 1] >= common[i + 1][j] {
                lines.append(Line(kind: "+", text: b[j])); j += 1
            } else {
                lines.append(Line(kind: "-", text: a[i])); i += 1
            }
        }
        return lines
    }

    /// The diff as text, `+`/`-`/` ` before each line, for the terminal.
    public static func text(from old: String, to new: String) -> String {
        lines(from: old, to: new).map { $0.kind + $0.text }.joined(separator: "\n")
    }
}

extension LineDiff {
    /// The lines of `lines(from:to:)` for two programs; for multi-file programs, per changed file,
    /// each file's lines after a `### path` line (kind `#`).
    public static func programLines(from old: String, to new: String) -> [Line] {
        guard let newTree = ProgramTree(decoding: new) else { return lines(from: old, to: new) }
        let oldTree = ProgramTree(decoding: old) ?? ProgramTree(files: [:])
        let paths = Set(oldTree.paths + newTree.paths).sorted().filter { oldTree.files[$0] != newTree.files[$0] }
        return paths.flatMap { path in
            [Line(kind: "#", text: "### \(path)" + (newTree.files[path] == nil ? " (removed)" : oldTree.files[path] == nil ? " (new)" : ""))]
                + lines(from: oldTree.files[path] ?? "", to: newTree.files[path] ?? "")
        }
    }
}
