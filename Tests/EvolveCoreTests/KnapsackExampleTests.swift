import EvolveCore
import Foundation
import Testing

/// The hello-world problem in examples/knapsack: it loads, its optimum is 275, the greedy start
/// is below it, and its evaluator reports what the engine expects.
@Suite struct KnapsackExampleTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appendingPathComponent("../../examples/knapsack")
        .standardizedFileURL

    static let python3: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        .split(separator: ":")
        .map { "\($0)/python3" }
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The instance, read from the `ITEMS = [...]` and `CAPACITY = N` lines of evaluate.py.
    static func instance() throws -> (items: [(weight: Int, value: Int)], capacity: Int) {
        let source = try String(contentsOf: directory.appendingPathComponent("evaluate.py"), encoding: .utf8)
        let lines = source.split(separator: "\n")
        let itemsLine = try #require(lines.first { $0.hasPrefix("ITEMS = [") })
        let capacityLine = try #require(lines.first { $0.hasPrefix("CAPACITY = ") })
        let numbers = itemsLine.dropFirst("ITEMS = ".count)
            .split(whereSeparator: { !$0.isNumber })
            .map { Int($0)! }
        try #require(numbers.count % 2 == 0 && !numbers.isEmpty)
        let items = stride(from: 0, to: numbers.count, by: 2).map { (weight: numbers[$0], value: numbers[$0 + 1]) }
        let capacity = try #require(Int(capacityLine.dropFirst("CAPACITY = ".count).trimmingCharacters(in: .whitespaces)))
        return (items, capacity)
    }

    /// Runs `python3 evaluate.py candidate` in the example directory; returns its standard output (capped).
    static func evaluate(_ candidate: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(python3))
        process.arguments = ["evaluate.py", candidate]
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var data = Data()
        while let chunk = try output.fileHandleForReading.read(upToCount: 4096), !chunk.isEmpty {
            if data.count < 64 * 1024 { data.append(chunk) }
        }
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }

    /// The evaluator's last line as a JSON object.
    static func lastObject(_ stdout: String) throws -> [String: Any] {
        let last = try #require(stdout.split(separator: "\n").last)
        return try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
    }

    /// Writes a candidate program to a temporary file for the body.
    static func withCandidate<T>(_ code: String, _ body: (String) throws -> T) throws -> T {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("knapsack-candidate-\(UUID().uuidString).py")
        try code.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try body(file.path)
    }

    @Test func problemLoads() throws {
        let problem = try Problem.load(from: Self.directory)
        let configuration = problem.configuration
        #expect(configuration.program == "initial_program.py")
        #expect(configuration.language == "python")
        #expect(configuration.goal == Goal(direction: .maximize, target: 275.0))
        #expect(configuration.evaluator.command == .shell("python3 evaluate.py {program}"))
        #expect(configuration.search.iterations == 40)
        #expect(configuration.sandbox.timeout == 10)
        #expect(configuration.description.contains("solve"))
        let regions = try EvolveBlock.regionTexts(in: problem.initialProgram)
        #expect(regions.count == 1)
        #expect(regions.first?.contains("def solve(items, capacity):") == true)
    }

    @Test func optimumIsExactly275ByExhaustiveSearch() throws {
        let (items, capacity) = try Self.instance()
        #expect((10...16).contains(items.count))
        var best = 0
        for mask in 0..<(1 << items.count) {
            var weight = 0
            var value = 0
            for (index, item) in items.enumerated() where mask & (1 << index) != 0 {
                weight += item.weight
                value += item.value
            }
            if weight <= capacity { best = max(best, value) }
        }
        #expect(best == 275)
    }

    @Test(.enabled(if: python3 != nil, "needs python3"))
    func greedyStartScoresBelowTheOptimum() throws {
        let stdout = try Self.evaluate("initial_program.py")
        let score = try #require(try Self.lastObject(stdout)["score"] as? Double)
        #expect(score < 275.0)
        #expect(score > 0)
        guard case .success(let report) = EvaluatorReport.parse(stdout: stdout, resultFile: nil) else {
            Issue.record("the engine could not read: \(stdout)")
            return
        }
        #expect(report.score == score)
        #expect(report.metrics["capacity"] == .number(Double(try Self.instance().capacity)))
    }

    static let dynamicProgramming = """
        def solve(items, capacity):
            # best[c] = (value, chosen indices) using at most c weight
            best = [(0, [])] * (capacity + 1)
            for i, (weight, value) in enumerate(items):
                for c in range(capacity, weight - 1, -1):
                    if best[c - weight][0] + value > best[c][0]:
                        best[c] = (best[c - weight][0] + value, best[c - weight][1] + [i])
            return best[capacity][1]

        """

    @Test(.enabled(if: python3 != nil, "needs python3"))
    func dynamicProgrammingScoresExactly275() throws {
        let stdout = try Self.withCandidate(Self.dynamicProgramming) { try Self.evaluate($0) }
        let object = try Self.lastObject(stdout)
        #expect(object["score"] as? Double == 275.0)
        let metrics = try #require(object["metrics"] as? [String: Any])
        #expect((metrics["weight"] as? Int).map { $0 <= 80 } == true)
        #expect(metrics["capacity"] as? Int == (try Self.instance().capacity))
        #expect(object["features"] as? [String: Any] != nil)
        guard case .success(let report) = EvaluatorReport.parse(stdout: stdout, resultFile: nil) else {
            Issue.record("the engine could not read: \(stdout)")
            return
        }
        #expect(report.score == 275.0)
        #expect(Goal(direction: .maximize, target: 275.0).reachesTarget(report.score))
    }

    @Test(.enabled(if: python3 != nil, "needs python3"))
    func infeasibleSelectionIsAnErrorWithoutScore() throws {
        let everything = "def solve(items, capacity):\n    print('taking everything')\n    return list(range(len(items)))\n"
        let stdout = try Self.withCandidate(everything) { try Self.evaluate($0) }
        let object = try Self.lastObject(stdout)
        #expect(object["score"] == nil)
        let reason = try #require(object["error"] as? String)
        #expect(reason.contains("capacity"))
        guard case .failure(let error) = EvaluatorReport.parse(stdout: stdout, resultFile: nil) else {
            Issue.record("an infeasible selection was scored: \(stdout)")
            return
        }
        #expect(error.reason.contains("capacity"))
    }

    @Test(
        .enabled(if: python3 != nil, "needs python3"),
        arguments: [
            ("def solve(items, capacity):\n    return [0, 0]\n", "more than once"),
            ("def solve(items, capacity):\n    return [len(items)]\n", "out of range"),
            ("def solve(items, capacity):\n    return '0 1'\n", "list"),
            ("def solve(items, capacity):\n    raise ValueError('boom')\n", "boom"),
            ("def solve(items, capacity) return []\n", "SyntaxError"),
        ]
    )
    func malformedAnswersAreErrorsWithAReason(code: String, reason: String) throws {
        let stdout = try Self.withCandidate(code) { try Self.evaluate($0) }
        let object = try Self.lastObject(stdout)
        #expect(object["score"] == nil)
        #expect((object["error"] as? String)?.contains(reason) == true, "\(object)")
    }
}
