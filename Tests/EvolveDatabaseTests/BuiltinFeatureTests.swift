import EvolveCore
import EvolveDatabase
import Foundation
import Testing

/// The built-in feature dimensions and the code hash used to find duplicates.
@Suite struct BuiltinFeatureTests {
    static let result = EvaluationResult(status: .success, score: 1, duration: 2.5)

    static func length(_ code: String) -> Double { BuiltinFeature.length.value(code: code, result: result) }
    static func nesting(_ code: String) -> Double { BuiltinFeature.nesting.value(code: code, result: result) }

    @Test func lengthCountsOnlyTheEvolveBlock() {
        let code = """
            import math  # a long header that the model cannot change
            # EVOLVE-BLOCK-START
            abc
            de
            # EVOLVE-BLOCK-END
            print(solve())
            """
        #expect(Self.length(code) == 6, "\"abc\\nde\" is 6 characters")
        let longerOutside = code.replacingOccurrences(of: "print(solve())", with: "print(solve(), solve(), solve())")
        #expect(Self.length(longerOutside) == 6)
        let longerInside = code.replacingOccurrences(of: "abc\n", with: "abcdef\n")
        #expect(Self.length(longerInside) == 9)
    }

    @Test func lengthJoinsSeveralBlocksAndCountsCharactersNotBytes() {
        let code = """
            # EVOLVE-BLOCK-START
            ab
            # EVOLVE-BLOCK-END
            middle = 1
            # EVOLVE-BLOCK-START
            éé
            # EVOLVE-BLOCK-END
            """
        #expect(Self.length(code) == 5, "\"ab\\néé\"")
        #expect(featureValues(for: ["length"], code: code, result: Self.result) == ["length": 5])
    }

    @Test func lengthOfAProgramWithoutMarkersIsTheWholeText() {
        #expect(Self.length("x = 1\ny = 2\n") == 12)
        #expect(Self.length("") == 0)
    }

    @Test(arguments: [
        ("flat", "x = 1\ny = 2\n", 0.0),
        ("one function", "def f():\n    return 1\n", 1),
        (
            "nested loops",
            """
            def solve(items):
                best = 0
                for i in items:
                    for j in items:
                        if i != j:
                            best += 1
                return best
            """, 4
        ),
        ("two-space indentation", "def f():\n  if x:\n    return 1\n", 2),
        ("tabs", "def f():\n\tif x:\n\t\treturn 1\n", 2),
        ("brackets deeper than indentation", "x = [[[1, 2], [3]], {'a': (4,)}]\n", 3),
        ("blank lines do not count", "def f():\n\n        \n    return 1\n", 1),
    ])
    func nestingOfPythonCode(_ name: String, _ code: String, _ expected: Double) {
        #expect(Self.nesting(code) == expected, "\(name)")
    }

    @Test func nestingIsMeasuredInsideTheBlockFromItsOwnIndentation() {
        let code = """
            class Solver:
                def helper(self):
                    if True:
                        if True:
                            if True:
                                pass
                # EVOLVE-BLOCK-START
                def solve(self, items):
                    for item in items:
                        pass
                # EVOLVE-BLOCK-END
            """
        #expect(Self.nesting(code) == 2, "only the block counts, relative to its least indented line")
    }

    @Test func evalTimeIsTheEvaluationDuration() {
        #expect(BuiltinFeature.evalTime.value(code: "x", result: Self.result) == 2.5)
        #expect(featureValues(for: ["eval_time"], code: "x", result: Self.result) == ["eval_time": 2.5])
    }

    @Test func featureValuesCombineBuiltinsAndEvaluatorFeatures() {
        let result = EvaluationResult(status: .success, score: 1, features: ["length": 99, "size": 3], duration: 1)
        let values = featureValues(for: ["length", "nesting", "size", "absent"], code: "abc", result: result)
        #expect(values["length"] == 3, "the built-in wins over an evaluator key of the same name")
        #expect(values["nesting"] == 0)
        #expect(values["size"] == 3)
        #expect(values["absent"] == nil)
        #expect(values.count == 3)
    }

    @Test func codeHashIsStableFNV1a() {
        // Published FNV-1a 64-bit test vectors: the hash must not change between runs or versions,
        // since stored runs are searched by it.
        #expect(codeHash("") == 0xcbf2_9ce4_8422_2325)
        #expect(codeHash("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(codeHash("foobar") == 0x8594_4171_f739_67e8)
        let program = "def solve(items, capacity):\n    return []\n"
        #expect(codeHash(program) == codeHash(String(program)))
        #expect(codeHash(program) != codeHash(program + " "))
        #expect(codeHash("x = 1\n") != codeHash("x = 2\n"))
        #expect(codeHash("é") != codeHash("e\u{301}"), "hashes bytes, so different encodings of one character differ")
    }

    @Test func splitMixIsReproducible() {
        var a = SplitMix64(seed: 5), b = SplitMix64(seed: 5), c = SplitMix64(seed: 6)
        let first = (0..<5).map { _ in a.next() }
        #expect(first == (0..<5).map { _ in b.next() })
        #expect(first != (0..<5).map { _ in c.next() })
    }
}
