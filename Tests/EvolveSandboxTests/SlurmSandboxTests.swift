import EvolveCore
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The Slurm backend against a real cluster this test starts on this machine (munged, slurmctld
/// and two slurmd), in both placements: one job per evaluation and steps of a held allocation.
@Suite("Slurm sandbox", .serialized, .enabled(if: TestEnvironment.runsSlurmTests, "needs Slurm (slurm-wlm, munge), as root"))
struct SlurmSandboxTests {
    static let placements: [SandboxConfiguration.Slurm.Placement] = [.jobs, .steps]

    @Test("the knapsack example scores on a two-node cluster as it does in the process backend", arguments: placements)
    func knapsackScores(placement: SandboxConfiguration.Slurm.Placement) async throws {
        try await SlurmCluster.with(nodes: 2) { cluster in
            let fixture = try SlurmFixture(cluster: cluster, files: [:])
            defer { fixture.remove() }
            try fixture.problem.copyContents(of: PackagePaths.knapsackExample)
            let problem = try Problem.load(from: fixture.problem.url)
            let program = try String(contentsOf: fixture.problem.url.appendingPathComponent("initial_program.py"), encoding: .utf8)
            let local = try await Evaluator(sandbox: ProcessSandbox(configuration: .init(), logger: testLogger), problem: problem)
                .evaluate(program)
            let sandbox = fixture.sandbox(placement: placement, concurrency: 4)
            try await sandbox.checkAvailability()
            let evaluator = Evaluator(sandbox: sandbox, problem: problem)
            let results = try await withThrowingTaskGroup(of: EvaluationResult.self) { group in
                for _ in 0..<4 { group.addTask { try await evaluator.evaluate(program) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            await sandbox.shutdown()
            #expect(local.status == .success && local.score != nil)
            for result in results {
                #expect(result.status == .success, "\(result.failureReason ?? "") \(result.stderrTail ?? "")")
                #expect(result.score == local.score)
            }
            #expect(try await cluster.waitUntilEmpty(), "left in the queue: \(cluster.jobs())")
            #expect(fixture.leftoverJobs.isEmpty, "left on the shared path: \(fixture.leftoverJobs)")
        }
    }

    @Test("evaluations in flight spread over both nodes", arguments: placements)
    func spreadsOverNodes(placement: SandboxConfiguration.Slurm.Placement) async throws {
        try await SlurmCluster.with(nodes: 2) { cluster in
            let fixture = try SlurmFixture(cluster: cluster, files: ["probe.py": nodeProbe])
            defer { fixture.remove() }
            let sandbox = fixture.sandbox(placement: placement, concurrency: 4)
            let job = fixture.job(.arguments(["python3", "probe.py", "{program}", "2"]))
            let outcomes = try await withThrowingTaskGroup(of: SandboxOutcome.self) { group in
                for _ in 0..<4 { group.addTask { try await sandbox.run(job) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            await sandbox.shutdown()
            let nodes = outcomes.compactMap { (lastJSONLine($0.stdout)?["artifacts"] as? [String: Any])?["node"] as? String }
            #expect(Set(nodes) == ["n1", "n2"], "ran on \(nodes); \(outcomes.map(\.stderr))")
        }
    }

    @Test("a candidate over its wall clock is timed out, and leaves no job or step behind", arguments: placements)
    func wallClock(placement: SandboxConfiguration.Slurm.Placement) async throws {
        try await SlurmCluster.with(nodes: 2) { cluster in
            let fixture = try SlurmFixture(cluster: cluster, files: ["sleep.py": "import time\ntime.sleep(60)\n"])
            defer { fixture.remove() }
            let sandbox = fixture.sandbox(placement: placement)
            let (outcome, elapsed) = try await timed { try await sandbox.run(fixture.job(.shell("python3 sleep.py {program}"), timeout: 2)) }
            #expect(outcome.termination == .timedOut)
            #expect(elapsed < 6, "timed out after \(elapsed) s")
            #expect(try await waitForNoSteps(cluster), "steps left: \(cluster.steps())")
            await sandbox.shutdown()
            #expect(try await cluster.waitUntilEmpty(), "left in the queue: \(cluster.jobs())")
            #expect(fixture.leftoverJobs.isEmpty)
        }
    }

    @Test("cancelling an evaluation kills its candidate and leaves no job or step behind", arguments: placements)
    func cancellation(placement: SandboxConfiguration.Slurm.Placement) async throws {
        try await SlurmCluster.with(nodes: 2) { cluster in
            let fixture = try SlurmFixture(cluster: cluster, files: ["sleeper.py": SandboxCancellationTests.sleeper])
            defer { fixture.remove() }
            let sandbox = fixture.sandbox(placement: placement)
            let job = fixture.job(.arguments(["python3", "sleeper.py", "{program}"]), timeout: 120)
            let task = Task { try await sandbox.run(job) }
            let pids = await Processes.pids(inFile: fixture.problem.url.appendingPathComponent("pids.txt"), count: 2, within: 20)
            defer { Processes.killLeftovers(pids) }
            try #require(pids.count == 2, "the evaluator never started: \(cluster.jobs()) \(cluster.logs)")
            let (result, elapsed) = await timed {
                task.cancel()
                return await task.result
            }
            #expect(throws: CancellationError.self) { try result.get() }
            #expect(elapsed < 10, "cancellation took \(elapsed) s")
            #expect(await Processes.survivors(of: pids).isEmpty, "the candidate outlived its cancellation")
            #expect(try await waitForNoSteps(cluster), "steps left: \(cluster.steps())")
            await sandbox.shutdown()
            #expect(try await cluster.waitUntilEmpty(), "left in the queue: \(cluster.jobs())")
            #expect(fixture.leftoverJobs.isEmpty)
        }
    }

    /// The first attempt marks the problem directory and sleeps until its node is crashed; a
    /// second attempt (elsewhere) finds the mark and scores at once.
    static let crashable = """
        import json, os, sys, time
        if not os.path.exists("attempted"):
            open("attempted", "w").close()
            with open("pids.txt", "w") as f:
                f.write(f"{os.getpid()}\\n")
            time.sleep(300)
        print(json.dumps({"score": 7}))
        """

    @Test(
        "a node that dies during an evaluation is Slurm's failure, not the candidate's: placed again elsewhere, or a sandbox error",
        arguments: [(SandboxConfiguration.Slurm.Placement.jobs, 0), (.jobs, 1), (.steps, 1)])
    func nodeFailure(placement: SandboxConfiguration.Slurm.Placement, retries: Int) async throws {
        try await SlurmCluster.with(nodes: 2) { cluster in
            let fixture = try SlurmFixture(cluster: cluster, files: ["crash.py": Self.crashable])
            defer { fixture.remove() }
            let sandbox = fixture.sandbox(placement: placement, retries: retries)
            let task = Task { try await sandbox.run(fixture.job(.arguments(["python3", "crash.py", "{program}"]), timeout: 200)) }
            let pids = await Processes.pids(inFile: fixture.problem.url.appendingPathComponent("pids.txt"), count: 1, within: 20)
            defer { Processes.killLeftovers(pids) }
            // The node of the evaluation's job, or of its step (the allocation spans both nodes).
            let running = placement == .jobs ? cluster.jobs() : cluster.steps()
            let node = try #require(running.first?.split(separator: "|").last.map(String.init), "nothing is running")
            cluster.crash(node: node)
            let result = await task.result
            if retries == 0 {
                #expect {
                    try result.get()
                } throws: { error in
                    (error as? SandboxError)?.code == .lost && "\(error)".contains("node failed")
                }
            } else {
                let outcome = try result.get()
                #expect(outcome.termination == .exited(0))
                #expect(lastJSONLine(outcome.stdout)?["score"] as? Int == 7)
            }
            await sandbox.shutdown()
            #expect(try await cluster.waitUntilEmpty(within: 30), "left in the queue: \(cluster.jobs())")
        }
    }

    /// Waits for squeue to list no job step.
    private func waitForNoSteps(_ cluster: SlurmCluster) async throws -> Bool {
        for _ in 0..<100 {
            if cluster.steps().isEmpty { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}
