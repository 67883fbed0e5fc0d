import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

/// A run written by the version before the async store (Tests/EvolveDatabaseTests/Fixtures/run-v1.sqlite,
/// 8 iterations of examples/knapsack) continues with `evolve run --resume`.
@Suite("evolve run --resume on a run made by the previous version")
struct ResumeOldRunTests {
    @Test("the old run resumes to 11 iterations: old programs kept, new ones after them, facts updated, `evolve best` reads it")
    func resumesTheFixture() async throws {
        let problem = try knapsackProblem()
        defer { problem.remove() }
        let runDirectory = problem.url.appendingPathComponent("runs/old")
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        let database = runDirectory.appendingPathComponent("evolve.sqlite").path
        try FileManager.default.copyItem(
            at: PackagePaths.root.appendingPathComponent("Tests/EvolveDatabaseTests/Fixtures/run-v1.sqlite"),
            to: URL(fileURLWithPath: database))
        let old = try SQLiteProgramStore(path: database, readOnly: true)
        let before = try await old.allPrograms()
        let oldInfo = try await old.runInfo()
        #expect(try await old.finishedIterations().count == 8)

        try await LoopbackLLMServer.with(script: { .answer(KnapsackAnswers.variant(1000 + $0.index)) }) { server in
            let resumed = try runEvolve([
                "run", problem.url.path, "--ollama-url", server.url, "--iterations", "11", "--run-dir", runDirectory.path, "--resume",
            ])
            #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
            #expect(resumed.stderr.contains("resuming with \(before.count) stored programs"), "\(resumed.stderr)")

            let store = try SQLiteProgramStore(path: database, readOnly: true)
            let after = try await store.allPrograms()
            #expect(Array(after.prefix(before.count)) == before, "every old program is kept, unchanged, first")
            let added = try await store.programs(after: .start).programs.dropFirst(before.count)
            #expect(added.count == 3)
            #expect(added.allSatisfy { $0.origin == .mutation && $0.id.rawValue.count == 16 }, "new ids are minted by ProgramID.unique()")
            #expect(Set(added.map(\.iteration)) == [9, 10, 11])
            #expect(try await store.finishedIterations() == Set(1...11))
            let info = try await store.runInfo()
            #expect(info.problemDirectory == problem.url.path)
            #expect(info.configuration?.search.iterations == 11)
            #expect(info.modelCost == oldInfo.modelCost, "the old run's cost is still counted")

            let best = try runEvolve(["best", runDirectory.path])
            #expect(best.status == 0, "stderr: \(best.stderr)")
            #expect(best.stdout.contains("best score 249.0"), "\(best.stdout)")
            #expect(best.stdout.contains("(\(after.count) programs)"))
        }
    }
}
