import EvolveCore
import EvolveDatabase
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

/// evolve itself as a Slurm batch job (scripts/evolve-controller.sbatch), requeued mid-run as a
/// preemption would: the job starts again, resumes the same run, and finishes it.
@Suite("evolve as a requeued Slurm job", .serialized, .enabled(if: TestEnvironment.runsSlurmTests, "needs Slurm (slurm-wlm, munge), as root"))
struct SlurmControllerJobTests {
    @Test("the controller job is requeued after its first children: it resumes the run, reaches the target, and leaves no job")
    func requeuedControllerResumes() async throws {
        try await SlurmCluster.with(nodes: 2) { cluster in
            let shared = try TemporaryDirectory(prefix: "evolve-slurm-shared")
            defer { shared.remove() }
            let problem = try slurmKnapsack(shared: shared.url.path, placement: "jobs", sleep: 2, timeout: 60, iterations: 12)
            defer { problem.remove() }
            let answer: @Sendable (Int) -> String = { $0 < 4 ? KnapsackAnswers.variant($0) : KnapsackAnswers.dynamicProgramming }
            try await LoopbackLLMServer.with(script: { .answer(answer($0.index)) }) { server in
                let run = problem.url.appendingPathComponent("runs/controller")
                let log = shared.url.appendingPathComponent("controller.log")
                let submitted = try cluster.run(
                    "/usr/bin/sbatch",
                    [
                        "--parsable", "--output=\(log.path)",
                        "--export=ALL,EVOLVE_PROBLEM=\(problem.url.path),EVOLVE_RUN_DIR=\(run.path),EVOLVE_BIN=\(PackagePaths.evolveBinary.path)",
                        PackagePaths.root.appendingPathComponent("scripts/evolve-controller.sbatch").path,
                        "--ollama-url", server.url, "--eval-concurrency", "1", "--model-concurrency", "1",
                    ])
                let job = submitted.output.trimmingCharacters(in: .whitespacesAndNewlines)
                try #require(submitted.status == 0 && !job.isEmpty, "sbatch: \(submitted.output)")
                let database = run.appendingPathComponent("evolve.sqlite").path
                func programs() async -> [Program] {
                    (try? await SQLiteProgramStore(path: database, readOnly: true).allPrograms()) ?? []
                }
                let deadline = Date().addingTimeInterval(120)
                while Date() < deadline, await programs().count < 2 { try await Task.sleep(for: .milliseconds(200)) }
                try #require(await programs().count >= 2, "the controller job stored no child: \(cluster.jobs()) \(text(of: log))")
                let requeue = try cluster.run("/usr/bin/scontrol", ["requeue", job])
                try #require(requeue.status == 0, "scontrol requeue: \(requeue.output)")

                let finish = Date().addingTimeInterval(300)
                while Date() < finish, cluster.jobs().contains(where: { $0.hasPrefix(job + "|") }) {
                    try await Task.sleep(for: .milliseconds(500))
                }
                let state = try cluster.run("/usr/bin/squeue", ["-h", "-t", "all", "-j", job, "-o", "%T"]).output
                #expect(state.contains("COMPLETED"), "the controller job ended \(state): \(text(of: log))")
                #expect(text(of: log).contains("resumes \(run.path)"), "the requeued job did not resume: \(text(of: log))")
                let stored = await programs()
                #expect(stored.contains { $0.score == 275 }, "scores: \(stored.map(\.score))")
                // Iteration 0 is the starting program, copied onto each island.
                let iterations = stored.map(\.iteration).filter { $0 > 0 }
                #expect(Set(iterations).count == iterations.count, "a child's iteration was stored twice: \(iterations.sorted())")
                #expect(try await cluster.waitUntilEmpty(), "left in the queue: \(cluster.jobs())")
            }
        }
    }

    private func text(of file: URL) -> String {
        (try? String(contentsOf: file, encoding: .utf8)) ?? "<no log>"
    }
}
