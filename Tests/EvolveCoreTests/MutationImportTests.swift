import EvolveCore
import Foundation
import Testing

/// A rewrite keeps only its EVOLVE-BLOCK regions, so Python imports it added above the block
/// move to the top of the first region instead of being lost (measured with the bundled model:
/// 8 of 27 evaluated children failed with a NameError for a name their dropped import provided).
@Suite struct MutationImportTests {
    static let parent = """
        import math


        def total_weight(items, chosen):
            return sum(items[i][0] for i in chosen)


        # EVOLVE-BLOCK-START
        def solve(items, capacity):
            return []
        # EVOLVE-BLOCK-END
        """

    static func rewrite(imports: String, body: String = "def solve(items: List[tuple], capacity):\n    return list(combinations(range(2), 1))[0]") -> Mutation {
        .rewrite("\(imports)\n\n\ndef total_weight(items, chosen):\n    return sum(items[i][0] for i in chosen)\n\n\n# EVOLVE-BLOCK-START\n\(body)\n# EVOLVE-BLOCK-END\n")
    }

    @Test("imports a rewrite adds above the block become the block's first lines, and the record says so")
    func addedImportsMoveIntoTheBlock() throws {
        let applied = try Self.rewrite(imports: "import math\nfrom typing import List\nfrom itertools import combinations  # for subsets")
            .applying(to: Self.parent, matching: .exact)
        let region = try EvolveBlock.regionTexts(in: applied.code)
        #expect(region == ["from typing import List\nfrom itertools import combinations  # for subsets\ndef solve(items: List[tuple], capacity):\n    return list(combinations(range(2), 1))[0]"])
        #expect(applied.code.hasPrefix("import math\n\n\ndef total_weight"))
        #expect(applied.movedImports == ["from typing import List", "from itertools import combinations  # for subsets"])
        #expect(applied.note?.contains("`from typing import List`") == true)
    }

    @Test("an import the parent or the block already has is not added again")
    func knownImportsStay() throws {
        let applied = try Self.rewrite(imports: "import math", body: "import os\ndef solve(items, capacity):\n    return [0]")
            .applying(to: Self.parent, matching: .exact)
        #expect(applied.movedImports.isEmpty)
        #expect(applied.note == nil)
        let twice = try Self.rewrite(imports: "import os", body: "import os\ndef solve(items, capacity):\n    return [0]")
            .applying(to: Self.parent, matching: .exact)
        #expect(twice.movedImports.isEmpty)
    }

    @Test("a block inside a function gets its imports at the block's indentation")
    func indentedBlock() throws {
        let parent = "def solve(n):\n    # EVOLVE-BLOCK-START\n    return n\n    # EVOLVE-BLOCK-END\n"
        let rewrite = "import numpy as np\ndef solve(n):\n    # EVOLVE-BLOCK-START\n    return int(np.sum(np.arange(n)))\n    # EVOLVE-BLOCK-END\n"
        let child = try Mutation.rewrite(rewrite).apply(to: parent)
        #expect(child == "def solve(n):\n    # EVOLVE-BLOCK-START\n    import numpy as np\n    return int(np.sum(np.arange(n)))\n    # EVOLVE-BLOCK-END\n")
    }

    @Test("lines that are not module-level Python imports stay outside and are dropped",
          arguments: ["import x from \"y\";", "#include <vector>", "use std::io;", "from __future__ import annotations",
                      "    import os", "import", "important = 1", "from x import"])
    func otherLinesAreNotMoved(_ line: String) throws {
        let applied = try Self.rewrite(imports: line).applying(to: Self.parent, matching: .exact)
        #expect(applied.movedImports.isEmpty)
        #expect(!applied.code.contains(line.trimmingCharacters(in: .whitespaces)) || Self.parent.contains(line))
    }

    @Test("SEARCH/REPLACE edits move nothing")
    func editsMoveNothing() throws {
        let edit = Mutation.edits([.init(search: "    return []", replace: "    return [0]")])
        let applied = try edit.applying(to: Self.parent, matching: .exact)
        #expect(applied.movedImports.isEmpty)
    }
}
