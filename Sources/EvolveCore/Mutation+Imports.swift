extension Mutation {
    /// The Python import lines of a rewrite, outside its EVOLVE-BLOCK regions, that neither the
    /// parent nor the rewrite's regions hold. Only the regions of a rewrite are kept, so without
    /// this a model that adds `from typing import List` above the block, as whole-program rewrites
    /// often do, gets a child that fails with a NameError.
    ///
    /// Only module-level lines (no indentation) in Python's two forms count: `import a.b [as c], …`
    /// and `from a import b, …` (not `from __future__`, which must stay first in a module).
    /// Lines of other languages' imports (`import x from "y";`, `#include`, `use`) never match.
    static func addedImports(in rewrite: Document, parent: Document) -> [String] {
        let parentLines = Set(parent.lines.map { String($0.trimmingWhitespace()) })
        let regionLines = Set(rewrite.lines.indices.filter { rewrite.regionOfLine[$0] != nil }.map { String(rewrite.lines[$0].trimmingWhitespace()) })
        var added: [String] = []
        for (index, line) in rewrite.lines.enumerated() where rewrite.regionOfLine[index] == nil {
            let trimmed = String(line.trimmingWhitespace())
            guard line.leadingWhitespace.isEmpty, isPythonImport(trimmed), !parentLines.contains(trimmed),
                !regionLines.contains(trimmed), !added.contains(trimmed)
            else { continue }
            added.append(trimmed)
        }
        return added
    }

    /// Whether a line (without indentation) is a Python import statement, a trailing comment allowed.
    static func isPythonImport(_ line: String) -> Bool {
        let code = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map { String($0.trimmingWhitespace()) } ?? ""
        let words = code.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let keyword = words.first, words.count >= 2, code.allSatisfy(isImportCharacter) else { return false }
        switch keyword {
        case "import":
            return words[1].first.map { $0.isLetter || $0 == "_" } ?? false
        case "from":
            return words.count >= 4 && words[1] != "__future__" && words[2] == "import"
        default:
            return false
        }
    }

    private static func isImportCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || " _.,*()".contains(character)
    }

    /// The first region's lines with `imports` put first, at the indentation of its first line.
    static func prepending(_ imports: [String], to region: [String]) -> [String] {
        guard !imports.isEmpty else { return region }
        let first = region.first { !$0.trimmingWhitespace().isEmpty } ?? ""
        let indentation = String(first.leadingWhitespace)
        return imports.map { indentation + $0 } + region
    }
}
