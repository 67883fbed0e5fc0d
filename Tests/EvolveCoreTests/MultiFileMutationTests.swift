import EvolveCore
import Foundation
import Testing

/// Multi-file programs: a folder read as a tree, and answers that change several files of it.
@Suite struct MultiFileMutationTests {
    static let tree = ProgramTree(files: [
        "solver/rank.py": "from .items import Item\n\n# EVOLVE-BLOCK-START\ndef rank(item):\n    return item.value\n# EVOLVE-BLOCK-END\n",
        "solver/plan.py": "def solve(items, capacity):\n    chosen = []\n    for item in items:\n        break\n    return chosen\n",
        "solver/items.py": "ITEM = 1\n",
    ])
    static let policy = FilePolicy(mutable: ["solver/*.py"], immutable: ["solver/items.py"], create: ["solver/extra_*.py"])

    func child(_ answer: String) throws(MutationRejection) -> ProgramTree {
        let mutation = try Mutation.parse(answer, tree: Self.tree, policy: Self.policy)
        let applied = try mutation.applying(to: Self.tree.encoded, matching: .exact, policy: Self.policy)
        guard let tree = ProgramTree(decoding: applied.code) else { throw MutationRejection(.malformedBlock, "the child is not a tree") }
        return tree
    }

    func rejection(_ answer: String) -> MutationRejection? {
        do {
            _ = try child(answer)
            return nil
        } catch {
            return error
        }
    }

    @Test("a tree survives encoding, even files that hold the encoding's own header lines")
    func roundTrip() throws {
        var tree = Self.tree
        tree.files["notes.txt"] = "%file 3 x\nabc\n%evolve-tree 1\nno final newline"
        tree.files["empty.py"] = ""
        let decoded = try #require(ProgramTree(decoding: tree.encoded))
        #expect(decoded == tree)
        #expect(ProgramTree(decoding: "def f(): pass\n") == nil)
        #expect(ProgramTree(decoding: ProgramTree.header + "\n%file 99 a.py\nshort\n") == nil)
    }

    @Test("one answer edits two files, each named on the line before its blocks, in the styles models use")
    func editsTwoFiles() throws {
        for header in ["solver/rank.py", "### solver/rank.py", "`solver/rank.py`", "File: solver/rank.py", "**solver/rank.py**:"] {
            let answer = """
                Rank by density and skip items that do not fit.

                \(header)
                <<<<<<< SEARCH
                    return item.value
                =======
                    return item.value / item.weight
                >>>>>>> REPLACE

                solver/plan.py
                ```python
                <<<<<<< SEARCH
                        break
                =======
                        continue
                >>>>>>> REPLACE
                ```
                """
            let tree = try child(answer)
            #expect(tree.files["solver/rank.py"]!.contains("return item.value / item.weight"), "\(header)")
            #expect(tree.files["solver/plan.py"]!.contains("        continue\n"), "\(header)")
            #expect(tree.files["solver/items.py"] == "ITEM = 1\n")
        }
    }

    @Test("a whole-file rewrite keeps the lines outside the file's EVOLVE-BLOCK; a new file appears where files.create allows")
    func rewriteAndCreate() throws {
        let answer = """
            solver/rank.py
            ```python
            import os
            # EVOLVE-BLOCK-START
            def rank(item):
                return item.value * 2
            # EVOLVE-BLOCK-END
            print("changed outside")
            ```

            ```python solver/extra_tools.py
            def helper():
                return 3
            ```
            """
        let tree = try child(answer)
        let rank = try #require(tree.files["solver/rank.py"])
        #expect(rank.hasPrefix("from .items import Item\n"))
        #expect(rank.contains("return item.value * 2") && !rank.contains("changed outside"))
        #expect(tree.files["solver/extra_tools.py"] == "def helper():\n    return 3\n")
    }

    @Test("a block without a file name goes to the one file that holds its SEARCH lines")
    func unnamedBlock() throws {
        let tree = try child("<<<<<<< SEARCH\n        break\n=======\n        continue\n>>>>>>> REPLACE\n")
        #expect(tree.files["solver/plan.py"]!.contains("continue"))
    }

    @Test(
        "refused with a reason the model reads: a read-only file, a path out of the folder, a new file where none may be, edits of a missing file",
        arguments: [
            ("solver/items.py\n```python\nITEM = 2\n```\n", MutationRejection.Kind.pathRefused, "may not be changed"),
            ("../outside.py\n```python\nx = 1\n```\n", .pathRefused, "leaves the program's folder"),
            ("/etc/passwd\n```\nroot\n```\n", .pathRefused, "not relative"),
            ("solver/new.py\n```python\nx = 1\n```\n", .pathRefused, "new files may be created only at `solver/extra_*.py`"),
            ("solver/extra_a.py\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n", .noMatch, "does not exist yet"),
            ("solver/plan.py\n<<<<<<< SEARCH\n    return chosen\n=======\n    return chosen\n>>>>>>> REPLACE\n", .identical, "identical"),
            ("I would rank by density.", .noBlocks, "changed no file"),
        ])
    func refusals(answer: String, kind: MutationRejection.Kind, words: String) {
        let error = rejection(answer)
        #expect(error?.kind == kind, "\(error?.message ?? "applied")")
        #expect(error?.message.contains(words) == true, "\(error?.message ?? "applied")")
    }

    @Test("the policy's globs: * stays within a folder, ** crosses folders, immutable wins")
    func globs() {
        #expect(Glob.matches("solver/*.py", "solver/a.py"))
        #expect(!Glob.matches("solver/*.py", "solver/sub/a.py"))
        #expect(Glob.matches("**/*.rs", "src/deep/mod.rs") && Glob.matches("**/*.rs", "main.rs"))
        #expect(Glob.matches("**", "any/path/at/all"))
        #expect(!Self.policy.allowsChange("solver/items.py") && Self.policy.allowsChange("solver/plan.py"))
        #expect(Self.policy.allowsCreation("solver/extra_x.py") && !Self.policy.allowsCreation("solver/x.py"))
    }

    @Test("a program folder with a symbolic link or a binary file is refused, naming the file")
    func loadRefusals() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-tree-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("src"), withIntermediateDirectories: true)
        try "fn main() {}\n".write(to: folder.appendingPathComponent("src/main.rs"), atomically: true, encoding: .utf8)
        let loaded = try ProgramTree.load(directory: folder)
        #expect(loaded.paths == ["src/main.rs"])
        try Data([0x7F, 0x45, 0x00, 0x01]).write(to: folder.appendingPathComponent("src/blob.bin"))
        #expect(throws: ProgramTreeError.self) { try ProgramTree.load(directory: folder) }
        do { _ = try ProgramTree.load(directory: folder) } catch { #expect(error.message.contains("src/blob.bin")) }
        try FileManager.default.removeItem(at: folder.appendingPathComponent("src/blob.bin"))
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("link.rs").path, withDestinationPath: "/etc/hostname")
        #expect(throws: ProgramTreeError.self) { try ProgramTree.load(directory: folder) }
        do { _ = try ProgramTree.load(directory: folder) } catch { #expect(error.message.contains("link.rs") && error.message.contains("symbolic link")) }
    }
}
