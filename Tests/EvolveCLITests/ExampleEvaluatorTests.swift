import EvolveTesting
import Foundation
import Testing

/// The examples' evaluators run directly (host /usr/bin/python3, PATH=/usr/bin:/bin, as in the
/// sandbox) on their starting programs and on candidates that must fail, each with a clear reason.
@Suite(
    "example evaluators on their starts and on bad candidates", .serialized,
    .enabled(if: ExampleCase.evaluatorsRunnable, "needs /usr/bin/python3 with numpy, scipy and scikit-learn, rustc, g++ and node (CI installs them)"))
struct ExampleEvaluatorTests {
    static func example(_ name: String) -> ExampleCase { ExampleCase.all.first { $0.name == name }! }

    @Test("every starting program gets a finite score", arguments: ExampleCase.all)
    func startScores(example: ExampleCase) throws {
        let (report, result) = try example.evaluate(example.directory.appendingPathComponent(example.program))
        let score = try #require(report["score"] as? Double, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(score.isFinite && score > 0)
        print("evaluator \(example.name): start scores \(score) in \(String(format: "%.1f", result.seconds)) s")
    }

    @Test("a candidate that fails gets its reason", arguments: [
        ("circle_packing", "program.py", ExampleEvaluatorTests.circles(secondX: "0.75 - 1e-12"), "circles 0 and 1 overlap"),
        ("circle_packing", "program.py", ExampleEvaluatorTests.circles(secondX: "0.75", firstRadius: "0.25 + 1e-12"), "crosses the left side"),
        ("circle_packing", "program.py", "def pack_circles(n):\n    return [(0.5, 0.5, 0.1)]\n", "must return 26 rows"),
        ("function_minimization", "program.py", "def search(f, bounds, rng, budget):\n    while True:\n        f(0.0, 0.0)\n", "called more than 3000 times"),
        ("function_minimization", "program.py", "def search(f, bounds, rng, budget):\n    return 6.0, 0.0\n", "outside the box"),
        ("bin_packing", "program.py", "def priority(item, remaining):\n    return [1.0]\n", "it returned 1 for 2 bins"),
        ("bin_packing", "program.py", "def priority(item, remaining):\n    return [float('nan')] * len(remaining)\n", "priority returned NaN"),
        ("text_classifier", "program.py", "def solve():\n    return 'a tree'\n", "must return an estimator with fit and predict"),
        ("rust_sort", "program.rs", "pub fn sort<T: Copy>(v: &mut [T], less: &mut dyn FnMut(&T, &T) -> bool) {\n    if v.len() > 1 && less(&v[0], &v[1]) { v.swap(0, 1); }\n}\n", "is not sorted afterwards"),
        ("rust_sort", "program.rs", "pub fn sort<T: Copy>(v: &mut [T], _less: &mut dyn FnMut(&T, &T) -> bool) {\n    unsafe { let _ = v.as_ptr().read(); }\n}\n", "does not compile"),
        ("cpp_inversions", "program.cpp", "#include <cstdint>\n#include <vector>\nint64_t count_inversions(const std::vector<int32_t>& v) { return int64_t(v.size()); }\n", "expected"),
        ("js_primes", "program.js", "function countPrimes(n) { return Math.floor(n / 10); }\nmodule.exports = { countPrimes };\n", "countPrimes(3) returned 0, expected 1"),
    ])
    func badCandidate(name: String, file: String, code: String, reason: String) throws {
        let example = Self.example(name)
        let directory = try TemporaryDirectory(prefix: "evolve-bad-\(name)")
        defer { directory.remove() }
        try directory.write([file: code])
        let (report, result) = try example.evaluate(directory.url.appendingPathComponent(file))
        #expect(report["score"] == nil, "stdout: \(result.stdout)")
        let error = try #require(report["error"] as? String, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(error.contains(reason), "\(error)")
    }

    @Test("the circle verifier accepts circles that touch exactly, and scores their radii")
    func touchingCircles() throws {
        let example = Self.example("circle_packing")
        let directory = try TemporaryDirectory(prefix: "evolve-touching")
        defer { directory.remove() }
        try directory.write(["program.py": Self.circles(secondX: "0.75")])
        let (report, result) = try example.evaluate(directory.url.appendingPathComponent("program.py"))
        let score = try #require(report["score"] as? Double, "stdout: \(result.stdout)")
        #expect(abs(score - (0.5 + 24 * 0.01)) < 1e-12)
    }

    /// 26 circles: two of radius 0.25 side by side at height 0.5 (the first at x = 0.25, touching the
    /// left side; the second at `secondX`: 0.75 touches the first exactly), and 24 of radius 0.01 in two
    /// rows near the top.
    static func circles(secondX: String, firstRadius: String = "0.25") -> String {
        """
        def pack_circles(n):
            small = [(0.04 + 0.075 * k, y, 0.01) for y in (0.9, 0.96) for k in range(12)]
            return [(0.25, 0.5, \(firstRadius)), (\(secondX), 0.5, 0.25)] + small
        """
    }
}
