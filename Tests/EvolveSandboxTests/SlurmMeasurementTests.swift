import EvolveCore
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

/// What Slurm costs, printed (not asserted: a shared 2-core machine is no place for timing
/// bounds); the numbers in docs/cluster.md come from here. Debug build, the test cluster of
/// `SlurmCluster` (2 declared CPUs per node, all nodes on this machine).
@Suite("Slurm sandbox: measurements", .serialized, .enabled(if: TestEnvironment.runsSlurmTests, "needs Slurm (slurm-wlm, munge), as root"))
struct SlurmMeasurementTests {
    static let trivial = "import json\nprint(json.dumps({\"score\": 1}))\n"

    @Test(
        "added latency per evaluation in each placement against the same isolation on this machine (printed)",
        arguments: [SandboxConfiguration.Slurm.Isolation.process, .gvisor])
    func latency(isolation: SandboxConfiguration.Slurm.Isolation) async throws {
        guard isolation == .process || TestEnvironment.runsGVisorTests else {
            print("note: skipping the gVisor latency: runsc is not installed, or this is not root")
            return
        }
        let rounds = 15
        try await SlurmCluster.with(nodes: 2) { cluster in
            let fixture = try SlurmFixture(cluster: cluster, files: ["evaluate.py": Self.trivial])
            defer { fixture.remove() }
            let job = fixture.job(.arguments(["python3", "evaluate.py", "{program}"]))
            let local: any Sandbox = isolation == .process
                ? ProcessSandbox(configuration: .init(), logger: testLogger)
                : GVisorSandbox(configuration: .init(temporaryRoot: fixture.shared.url), logger: testLogger)
            _ = try await local.run(job)
            let localMedian = try await Self.median(rounds) { try await local.run(job) }
            await local.shutdown()
            var line = "slurm latency, \(isolation), trivial evaluator, one at a time, median of \(rounds): "
                + "\(local.name) backend \(Self.ms(localMedian))"
            for placement in SlurmSandboxTests.placements {
                let sandbox = fixture.sandbox(placement: placement, isolation: isolation)
                _ = try await sandbox.run(job)  // the held allocation is made here, not measured
                let median = try await Self.median(rounds) { try await sandbox.run(job) }
                await sandbox.shutdown()
                line += "; \(placement) \(Self.ms(median)) (+\(Self.ms(median - localMedian)))"
            }
            print(line)
        }
    }

    @Test("knapsack evaluations per second with one node and with two (printed)", arguments: [1, 2])
    func throughput(nodes: Int) async throws {
        let evaluations = 40
        try await SlurmCluster.with(nodes: nodes) { cluster in
            let fixture = try SlurmFixture(cluster: cluster, files: [:])
            defer { fixture.remove() }
            try fixture.problem.copyContents(of: PackagePaths.knapsackExample)
            let problem = try Problem.load(from: fixture.problem.url)
            let program = try String(contentsOf: fixture.problem.url.appendingPathComponent("initial_program.py"), encoding: .utf8)
            var line = "slurm throughput, knapsack, \(evaluations) evaluations, \(nodes) node(s) × 2 CPUs, \(2 * nodes) in flight:"
            for placement in SlurmSandboxTests.placements {
                let sandbox = fixture.sandbox(placement: placement, concurrency: 2 * nodes)
                let evaluator = Evaluator(sandbox: sandbox, problem: problem)
                _ = try await evaluator.evaluate(program)
                let (failures, seconds) = try await timed {
                    try await Self.concurrently(evaluations, width: 2 * nodes) { try await evaluator.evaluate(program).status != .success }
                }
                await sandbox.shutdown()
                line += " \(placement) \(String(format: "%.1f", Double(evaluations) / seconds))/s (\(failures) failed);"
            }
            print(line)
        }
    }

    @Test("a long evaluator (2 s asleep, then some work) with 8 in flight across two nodes: wall time against the ideal (printed)")
    func longEvaluator() async throws {
        let evaluations = 16
        let evaluator = """
            import json, sys, time
            time.sleep(2)
            total = sum(i * i for i in range(300_000))
            print(json.dumps({"score": 1}))
            """
        try await SlurmCluster.with(nodes: 2, cpus: 4) { cluster in
            let fixture = try SlurmFixture(cluster: cluster, files: ["long.py": evaluator])
            defer { fixture.remove() }
            let local = try await Self.median(3) {
                try await ProcessSandbox(configuration: .init(), logger: testLogger).run(fixture.job(.arguments(["python3", "long.py", "{program}"])))
            }
            var line = "slurm, long evaluator (\(Self.ms(local)) alone here), \(evaluations) evaluations, 8 in flight on 2 nodes × 4 CPUs,"
                + " ideal \(String(format: "%.1f", local * Double(evaluations) / 8)) s:"
            for placement in SlurmSandboxTests.placements {
                let sandbox = fixture.sandbox(placement: placement, concurrency: 8)
                let job = fixture.job(.arguments(["python3", "long.py", "{program}"]))
                _ = try await sandbox.run(job)
                let (failures, seconds) = try await timed {
                    try await Self.concurrently(evaluations, width: 8) { try await sandbox.run(job).termination != .exited(0) }
                }
                await sandbox.shutdown()
                line += " \(placement) \(String(format: "%.1f", seconds)) s (\(failures) failed);"
                #expect(failures == 0)
            }
            print(line)
        }
    }

    static func median(_ rounds: Int, _ body: () async throws -> SandboxOutcome) async throws -> Double {
        var times: [Double] = []
        for _ in 0..<rounds {
            let (outcome, seconds) = try await timed(body)
            #expect(outcome.termination == .exited(0), "\(outcome.stderr)")
            times.append(seconds)
        }
        return times.sorted()[rounds / 2]
    }

    /// Runs `count` bodies, `width` at a time; how many returned true.
    static func concurrently(_ count: Int, width: Int, _ body: @escaping @Sendable () async throws -> Bool) async throws -> Int {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            var started = 0
            var failed = 0
            while started < min(width, count) {
                group.addTask(operation: body)
                started += 1
            }
            while let result = try await group.next() {
                if result { failed += 1 }
                if started < count {
                    group.addTask(operation: body)
                    started += 1
                }
            }
            return failed
        }
    }

    static func ms(_ seconds: Double) -> String { String(format: "%.0f ms", seconds * 1000) }
}
