import EvolveCore

/// How a multi-file program is shown: its listing, its changes against the starting program, and
/// the files the model may change in full, the most relevant first, as many as `excerptLimit` holds.
extension PromptBuilder {
    func currentFilesSection(_ tree: ProgramTree) -> String {
        let changed = changedPaths(tree)
        let editable = tree.paths.filter(files.allowsChange)
        let changeable = Set(editable)
        let listing = tree.paths.map { path in
            let lines = tree.files[path]!.split(separator: "\n", omittingEmptySubsequences: false).count
            return (changeable.contains(path) ? "* " : "  ") + path + " (\(lines) lines" + (changed.contains(path) ? ", changed" : "") + ")"
        }
        let diff = changesText(tree, paths: changed)
        var shown: [String] = []
        var left: [String] = []
        var size = 0
        for path in shownOrder(editable, changed: changed, tree: tree) {
            let text = tree.files[path]!
            if size > 0, size + text.count > excerptLimit {
                left.append(path)
                continue
            }
            size += text.count
            shown.append(fenced(path, text))
        }
        if !left.isEmpty { shown.append("(Not shown, to fit the prompt: \(left.joined(separator: ", ")).)") }
        return section("current_files", [
            "listing": listing.joined(separator: "\n"),
            "changes": diff.isEmpty ? "" : "Its changes against the starting program:\n```diff\n\(diff)\n```\n",
            "files": shown.joined(separator: "\n\n"), "language": language,
        ])
    }

    /// Another program of the search: the files where it differs from the starting program, in full.
    func treeEntry(_ tree: ProgramTree, label: String) -> String? {
        let changed = changedPaths(tree)
        let text = changed.isEmpty
            ? "(the same files as the starting program)" : changed.map { fenced($0, tree.files[$0] ?? "") }.joined(separator: "\n\n")
        guard text.count <= excerptLimit else { return nil }
        return "\(label), its files that differ from the starting program:\n\(text)"
    }

    /// The files where `tree` differs from the starting program (new files included).
    func changedPaths(_ tree: ProgramTree) -> [String] {
        tree.paths.filter { tree.files[$0] != startTree?.files[$0] }
    }

    /// Changed files first, then files with EVOLVE-BLOCK markers, then the shortest.
    private func shownOrder(_ paths: [String], changed: [String], tree: ProgramTree) -> [String] {
        func rank(_ path: String) -> Int {
            changed.contains(path) ? 0 : EvolveBlock.hasMarkers(tree.files[path]!) ? 1 : 2
        }
        return paths.sorted { (rank($0), tree.files[$0]!.count, $0) < (rank($1), tree.files[$1]!.count, $1) }
    }

    private func changesText(_ tree: ProgramTree, paths: [String]) -> String {
        let text = paths.map { path in
            "--- \(path)\n" + LineDiff.lines(from: startTree?.files[path] ?? "", to: tree.files[path]!)
                .filter { $0.kind != " " }.map { $0.kind + $0.text }.joined(separator: "\n")
        }.joined(separator: "\n")
        return text.count <= excerptLimit / 2 ? text : String(text.prefix(excerptLimit / 2)) + "\n… (cut)"
    }

    private func fenced(_ path: String, _ text: String) -> String {
        let fence = ProblemConfiguration.language(forFile: path)
        return "\(path)\n```\(fence)\n\(codeWithoutFinalNewline(text))\n```"
    }
}
