import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

/// A recorded session of the bundled model (Qwen2.5-Coder-1.5B) on knapsack, in
/// Fixtures/bundled-knapsack: the problem as it was run, the model's answers (`answers/`), and
/// the programs and scores the recorded run made (`expected.json`), written by
/// `scripts/record-bundled-fixture.sh`.
@Suite("Replay of the recorded bundled-model session", .serialized)
struct BundledReplayFixtureTests {
    struct Expected: Codable {
        var programs: [ProgramFacts]
        var bestScore: Double?
        var bestCode: String?

        enum CodingKeys: String, CodingKey {
            case programs
            case bestScore = "best_score"
            case bestCode = "best_code"
        }
    }

    static var fixture: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/bundled-knapsack")
    }

    /// Whether `scripts/record-bundled-fixture.sh` has recorded the session (answers and expected programs).
    static var isRecorded: Bool {
        FileManager.default.fileExists(atPath: fixture.appendingPathComponent("expected.json").path)
    }

    @Test("replaying the fixture with no model reproduces every recorded program, score and the best",
          .enabled(if: isRecorded, "the session is not recorded yet: run scripts/record-bundled-fixture.sh"))
    func replayReproducesRecording() async throws {
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: Self.fixture.appendingPathComponent("expected.json")))
        let directory = try TemporaryDirectory(prefix: "evolve-fixture")
        defer { directory.remove() }
        try directory.copyContents(of: Self.fixture.appendingPathComponent("problem"))
        var problem = try Problem.load(from: directory.url)
        #expect(problem.configuration.llm.provider == .bundled)
        problem.configuration.llm.record = nil
        problem.configuration.llm.replay = Self.fixture.appendingPathComponent("answers").path
        // No model server: a replay without fallthrough never starts the bundled model.
        let (summary, programs) = try await runProblem(problem, overrides: RunOverrides(sandbox: .process))
        let facts = ProgramFacts.of(programs)
        #expect(facts.count == expected.programs.count)
        for (made, recorded) in zip(facts, expected.programs) {
            #expect(made == recorded, "replayed \(made), recorded \(recorded)")
        }
        #expect(summary.best?.score == expected.bestScore)
        #expect(summary.best?.code == expected.bestCode)
    }
}
