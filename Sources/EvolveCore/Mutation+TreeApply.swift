extension Mutation {
    /// Applies each file's change to the encoded tree `parent`: edits and rewrites as for one
    /// program (EVOLVE-BLOCK markers still bound them in a file that has them), new files only
    /// where `policy` allows creation. A file the change leaves as it was is skipped; the whole
    /// change must alter something.
    static func apply(_ changes: [FileChange], to parent: String, matching: DiffMatching, policy: FilePolicy) throws(MutationRejection) -> AppliedMutation {
        guard var tree = ProgramTree(decoding: parent) else {
            throw MutationRejection(.malformedBlock, "A multi-file change cannot apply to a single program; answer with the program's own change.")
        }
        var matches: [SearchMatch] = []
        var movedImports: [String] = []
        for change in changes {
            try checkPath(change.path, in: tree, policy: policy)
            let old = tree.files[change.path]
            if old == nil, case .edits = change.mutation {
                throw MutationRejection(
                    .noMatch, "In `\(change.path)`: the file does not exist yet; give a new file's complete text in one fenced code block.")
            }
            let applied: AppliedMutation
            do {
                applied = try change.mutation.applying(to: old ?? "", matching: matching)
            } catch where error.kind == .identical {
                continue
            } catch {
                throw MutationRejection(error.kind, "In `\(change.path)`: " + error.message)
            }
            if let problem = ProgramTree.problem(withContent: applied.code, path: change.path) {
                throw MutationRejection(.pathRefused, problem)
            }
            tree.files[change.path] = applied.code
            matches += applied.matches
            movedImports += applied.movedImports
        }
        let child = tree.encoded
        if child == parent {
            throw MutationRejection(.identical, "The change leaves every file identical to its parent's; propose a real change.")
        }
        return AppliedMutation(code: child, matches: matches, movedImports: movedImports)
    }

    /// Refuses a path outside the tree, a file the policy keeps, and a new file where none may be created.
    private static func checkPath(_ path: String, in tree: ProgramTree, policy: FilePolicy) throws(MutationRejection) {
        if let problem = ProgramTree.problem(withPath: path) {
            throw MutationRejection(.pathRefused, problem + "; name a file of the program by its path, as the prompt shows it.")
        }
        let changeable = tree.paths.filter(policy.allowsChange)
        let list = changeable.prefix(12).map { "`\($0)`" }.joined(separator: ", ")
        if tree.files[path] != nil {
            guard policy.allowsChange(path) else {
                throw MutationRejection(.pathRefused, "`\(path)` may not be changed; the files you may change are \(list).")
            }
        } else if !policy.allowsCreation(path) {
            let allowed = policy.create.isEmpty ? "no new files may be created" : "new files may be created only at " + policy.create.map { "`\($0)`" }.joined(separator: ", ")
            throw MutationRejection(.pathRefused, "`\(path)` is not a file of the program and \(allowed); the files you may change are \(list).")
        }
    }
}
