import EvolveCore
import EvolveDatabase
import Foundation
import Testing

/// Fixtures/run-v1.sqlite was written by `evolve run` before the store became async (commit
/// 22361d1): a knapsack run of 8 iterations with accepted, rejected, duplicate and model-error
/// answers, a crashed child, migrant copies, model faults, priced answers and the old string
/// `run_info` keys. Fixtures/run-v1.sqlite.expected.json is what that version read from it.
@Suite struct RunDatabaseFixtureTests {
    static func fixture() throws -> (copy: URL, expected: FixtureSnapshot) {
        let fixtures = try #require(Bundle.module.resourceURL).appendingPathComponent("Fixtures")
        let source = fixtures.appendingPathComponent("run-v1.sqlite")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-fixture-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let copy = directory.appendingPathComponent("evolve.sqlite")
        try FileManager.default.copyItem(at: source, to: copy)
        let json = try Data(contentsOf: fixtures.appendingPathComponent("run-v1.sqlite.expected.json"))
        return (copy, try JSONDecoder().decode(FixtureSnapshot.self, from: json))
    }

    static func snapshot(_ store: SQLiteProgramStore) async throws -> FixtureSnapshot {
        let finished = try await store.finishedIterations().sorted()
        var attempts: [FixtureSnapshot.Attempt] = []
        for iteration in 0...(finished.max() ?? 0) {
            attempts += try await store.attempts(iteration: iteration).map(FixtureSnapshot.Attempt.init)
        }
        let info = try await store.runInfo()
        var values: [String: String] = [:]
        values["problem_directory"] = info.problemDirectory
        values["model"] = info.model
        values["endpoint"] = info.endpoint
        values["evolve_yaml"] = info.evolveYAML
        values["model_cost"] = info.modelCost == 0 ? nil : String(info.modelCost)
        return FixtureSnapshot(
            programs: try await store.allPrograms(), attempts: attempts, finishedIterations: finished,
            totalCost: try await store.totalCost(), faultCounts: try await store.faultCounts(),
            usage: try await store.modelUsage().map { "\($0)" }, info: values)
    }

    /// A new child of `parent`, in the iteration after the fixture's last.
    static func child(of parent: Program, after expected: FixtureSnapshot) -> Program {
        var child = parent
        child.id = ProgramID.unique()
        child.parentID = parent.id
        child.origin = .mutation
        child.iteration = (expected.finishedIterations.max() ?? 0) + 1
        child.generation = 1
        return child
    }

    @Test("a run database written by the previous version reads exactly as that version read it")
    func readsAsBefore() async throws {
        let (copy, expected) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: copy.deletingLastPathComponent()) }
        let store = try SQLiteProgramStore(path: copy.path, readOnly: true)
        let read = try await Self.snapshot(store)
        #expect(read.programs == expected.programs)
        #expect(read.attempts == expected.attempts)
        #expect(read.finishedIterations == expected.finishedIterations)
        #expect(read.totalCost == expected.totalCost)
        #expect(read.faultCounts == expected.faultCounts)
        #expect(read.usage == expected.usage)
        #expect(read.info == expected.info)
        // The fixture covers what a run stores: every origin, failures, every attempt outcome, faults, cost.
        #expect(Set(read.programs.map(\.origin)) == [.initial, .mutation, .migration])
        #expect(read.programs.contains { $0.result.status != .success })
        #expect(Set(read.attempts.map(\.outcome)).isSuperset(of: ["accepted", "rejected", "duplicate", "model_error"]))
        #expect(!read.faultCounts.isEmpty)
        #expect(read.totalCost > 0)
    }

    @Test("its old run_info keys become a typed RunInfo, the configuration decoded from the stored evolve.yaml")
    func oldRunInfoKeys() async throws {
        let (copy, expected) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: copy.deletingLastPathComponent()) }
        let info = try await SQLiteProgramStore(path: copy.path, readOnly: true).runInfo()
        let yaml = try #require(expected.info["evolve_yaml"])
        #expect(info.problemDirectory == expected.info["problem_directory"])
        #expect(info.model == expected.info["model"])
        #expect(info.endpoint == expected.info["endpoint"])
        #expect(info.modelCost == Double(expected.info["model_cost"] ?? ""))
        #expect(info.configuration == (try ProblemConfiguration.parse(yaml: yaml, file: "evolve.yaml")))
        #expect(info.configuration?.search.iterations == 8)
        #expect(info.goal == Goal(direction: .maximize, target: 275))
        #expect(info.facts.isEmpty)
    }

    @Test("a writer opens it (migrating), keeps everything, and commits more after it")
    func writerCommitsMore() async throws {
        let (copy, expected) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: copy.deletingLastPathComponent()) }
        let store = try SQLiteProgramStore(path: copy.path)
        let (old, cursor) = try await store.programs(after: .start)
        #expect(old == expected.programs)
        let parent = try #require(old.first { $0.origin == .initial })
        let child = Self.child(of: parent, after: expected)
        let attempt = AttemptRecord(
            iteration: child.iteration, attempt: 1, parentID: parent.id, model: "m", prompt: "p", answer: "a", outcome: .accepted, cost: 0.5)
        try await store.commit(program: child, attempts: [attempt])
        try await store.updateRunInfo { $0.modelCost += 0.5 }

        let reopened = try SQLiteProgramStore(path: copy.path, readOnly: true)
        #expect(try await reopened.allPrograms() == expected.programs + [child])
        #expect(try await reopened.programs(after: cursor).programs == [child])
        #expect(try await reopened.finishedIterations().sorted() == expected.finishedIterations + [child.iteration])
        #expect(abs(try await reopened.totalCost() - (expected.totalCost + 0.5)) < 1e-9)
        let info = try await reopened.runInfo()
        #expect(abs(info.modelCost - ((Double(expected.info["model_cost"] ?? "") ?? 0) + 0.5)) < 1e-9)
        #expect(info.evolveYAML == expected.info["evolve_yaml"])
        #expect(info.problemDirectory == expected.info["problem_directory"])
    }
}
