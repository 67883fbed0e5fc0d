extension Mutation {
    /// Reads a multi-file mutation out of free model text: SEARCH/REPLACE blocks and fenced whole
    /// files, each after a line naming its file (`path`, `### path`, `` `path` ``, `File: path`;
    /// a fence's info string may name it too: ```` ```python solver/search.py ````).
    ///
    /// Blocks before any file name go to the one file whose text holds their SEARCH part (or to the
    /// only file the model may change); a fenced program without a file name is read only when
    /// there is one changeable file.
    public static func parse(_ answer: String, tree: ProgramTree, policy: FilePolicy) throws(MutationRejection) -> Mutation {
        let segments = TreeAnswer.segments(of: normalizeNewlines(answer), tree: tree)
        var changes: [FileChange] = []
        for (path, text) in segments {
            let mutation: Mutation
            do {
                mutation = try parse(text)
            } catch where error.kind == .noBlocks {
                continue
            } catch {
                throw path.map { MutationRejection(error.kind, "In `\($0)`: " + error.message) } ?? error
            }
            guard let path = path ?? unnamedTarget(of: mutation, tree: tree, policy: policy) else {
                throw MutationRejection(
                    .malformedBlock,
                    "A change does not say which file it is for: put the file's path on the line before each <<<<<<< SEARCH block or fenced file.")
            }
            changes.append(FileChange(path: path, mutation: mutation))
        }
        guard !changes.isEmpty else {
            throw MutationRejection(
                .noBlocks,
                "The answer changed no file. Name the file on a line of its own, then give SEARCH/REPLACE blocks "
                    + "(<<<<<<< SEARCH / ======= / >>>>>>> REPLACE) or the file's complete new text in one fenced code block.")
        }
        return .files(changes)
    }

    /// The file a change without a file name is for: the one changeable file, or the one file
    /// holding the first SEARCH part.
    private static func unnamedTarget(of mutation: Mutation, tree: ProgramTree, policy: FilePolicy) -> String? {
        let changeable = tree.paths.filter(policy.allowsChange)
        if changeable.count == 1 { return changeable[0] }
        guard case .edits(let edits) = mutation, let search = edits.first?.search, !search.isEmpty else { return nil }
        let holders = changeable.filter { tree.files[$0]!.contains(search) }
        return holders.count == 1 ? holders[0] : nil
    }
}

/// Splits an answer into the parts that follow each file name.
struct TreeAnswer {
    private let tree: ProgramTree
    /// Files in order of first mention (nil: the text before any name), and each one's lines.
    private var order: [String?] = [nil]
    private var lines: [String?: [Substring]] = [nil: []]
    private var current: String?
    /// Inside a SEARCH/REPLACE block; inside a code fence; at a fence's first line.
    private var inBlock = false
    private var inFence = false
    private var fenceIsEmpty = false

    private init(tree: ProgramTree) {
        self.tree = tree
    }

    /// The answer's text per named file (in order of first mention; nil: before any name).
    static func segments(of answer: String, tree: ProgramTree) -> [(String?, String)] {
        var scan = TreeAnswer(tree: tree)
        for line in answer.split(separator: "\n", omittingEmptySubsequences: false) {
            scan.read(line)
        }
        return scan.order.map { ($0, scan.lines[$0]!.joined(separator: "\n")) }
    }

    /// A file name on a line of its own (outside blocks, or as a fence's first line) starts that
    /// file's part; so does one in a fence's info string.
    private mutating func read(_ line: Substring) {
        let trimmed = line.trimmingWhitespace()
        if !inBlock, !inFence || fenceIsEmpty, let path = Self.fileName(in: trimmed, tree: tree) {
            if inFence { lines[current, default: []].removeLast() }
            start(path)
            if inFence { lines[path, default: []].append("```") }
            fenceIsEmpty = false
            return
        }
        if !inBlock, !inFence, trimmed.hasPrefix("```"), let path = Self.fileName(in: trimmed.dropFirst(3).split(separator: " ").last ?? "", tree: tree) {
            start(path)
        }
        lines[current, default: []].append(line)
        track(line, trimmed: trimmed)
    }

    private mutating func start(_ path: String) {
        current = path
        if lines[path] == nil {
            order.append(path)
            lines[path] = []
        }
    }

    /// Follows SEARCH/REPLACE blocks and code fences, in which no line is a file name.
    private mutating func track(_ line: Substring, trimmed: Substring) {
        switch Mutation.marker(line) {
        case .search: inBlock = true
        case .replace: inBlock = false
        default: break
        }
        if !inBlock, trimmed.hasPrefix("```") {
            inFence = inFence ? trimmed != "```" : true
            fenceIsEmpty = inFence
        } else if inFence {
            fenceIsEmpty = false
        }
    }

    /// The path a line names when it is nothing but a file name (with heading marks, backticks,
    /// bold, `File:` or a trailing colon around it).
    static func fileName(in line: Substring, tree: ProgramTree) -> String? {
        var text = line.trimmingWhitespace()
        text = text.drop { "#*->".contains($0) }.trimmingWhitespace()
        for prefix in ["File:", "file:", "FILE:", "Path:", "path:"] where text.hasPrefix(prefix) {
            text = text.dropFirst(prefix.count).trimmingWhitespace()
        }
        while let last = text.last, ":*`'\"".contains(last) { text = text.dropLast() }
        while let first = text.first, "*`'\"".contains(first) { text = text.dropFirst() }
        let path = String(text)
        guard !path.isEmpty, path.count <= 200, !path.contains(where: { $0.isWhitespace }), path.contains(where: \.isLetter) else { return nil }
        if tree.files[path] != nil { return path }
        guard path.allSatisfy({ $0.isLetter || $0.isNumber || "_.-/~".contains($0) }) else { return nil }
        let name = path.split(separator: "/").last ?? ""
        let hasExtension = name.contains(".") && !name.hasSuffix(".") && name.first != "." || name.hasPrefix(".") && name.count > 1
        return path.contains("/") || hasExtension ? path : nil
    }
}
