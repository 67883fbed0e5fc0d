import EvolveCore
import EvolveDatabase
import Foundation
import Testing

/// `run_info` as a typed `RunInfo`: set, changed, read back after reopening, safe under concurrent writers.
@Suite struct RunInfoTests {
    typealias StoreFile = SQLiteProgramStoreTests.StoreFile

    static func configuration() throws -> ProblemConfiguration {
        var configuration = try ProblemConfiguration.parse(
            yaml: "goal:\n  direction: minimize\n  target: 0.5\nsearch:\n  iterations: 77\n  seed: 9\nsandbox:\n  timeout: 3\n",
            file: "evolve.yaml")
        configuration.llm.models = [EnsembleMemberConfiguration(model: "a", provider: .openai, url: "http://x/v1", inputPrice: 1, outputPrice: 2)]
        return configuration
    }

    @Test("a new run has no facts and no cost")
    func empty() async throws {
        let file = try StoreFile()
        defer { file.remove() }
        let info = try await SQLiteProgramStore(path: file.path).runInfo()
        #expect(info == RunInfo())
        #expect(info.goal == Goal())
    }

    @Test("facts set, changed and kept across a reopen; the configuration comes back decoded, with its goal")
    func roundTrip() async throws {
        let file = try StoreFile()
        defer { file.remove() }
        let configuration = try Self.configuration()
        do {
            let store = try SQLiteProgramStore(path: file.path)
            try await store.updateRunInfo { info in
                info.problemDirectory = "/work/knapsack"
                info.model = "gemma"
                info.endpoint = "http://localhost:11434"
                info.evolveYAML = "goal:\n  direction: minimize\n"
                info.configuration = configuration
                info.facts["started"] = "2026-01-01"
            }
            try await store.updateRunInfo { info in
                info.model = "qwen"
                info.modelCost = 0.25
            }
        }
        let info = try await SQLiteProgramStore(path: file.path, readOnly: true).runInfo()
        #expect(info.problemDirectory == "/work/knapsack")
        #expect(info.model == "qwen")
        #expect(info.endpoint == "http://localhost:11434")
        #expect(info.evolveYAML == "goal:\n  direction: minimize\n")
        #expect(info.configuration == configuration)
        #expect(info.goal == Goal(direction: .minimize, target: 0.5))
        #expect(info.modelCost == 0.25)
        #expect(info.facts == ["started": "2026-01-01"])
    }

    @Test("a fact set to nil loses its row")
    func removal() async throws {
        let file = try StoreFile()
        defer { file.remove() }
        let store = try SQLiteProgramStore(path: file.path)
        try await store.updateRunInfo { $0.endpoint = "http://a"; $0.facts["note"] = "x" }
        try await store.updateRunInfo { $0.endpoint = nil; $0.facts["note"] = nil }
        #expect(try await store.runInfo() == RunInfo())
    }

    @Test("the run's goal direction decides which children count as improvements")
    func goalDirectionInUsage() async throws {
        let file = try StoreFile()
        defer { file.remove() }
        let store = try SQLiteProgramStore(path: file.path)
        let root = Program(
            id: ProgramID("root"), parentID: nil, origin: .initial, iteration: 0, island: 0, generation: 0, code: "a",
            result: EvaluationResult(status: .success, score: 10), features: [:])
        let record = GenerationRecord(model: "m", prompt: "p", answer: "a", diff: "d", attempts: 1, modelSeconds: 1)
        let lower = Program(
            id: ProgramID("lower"), parentID: root.id, origin: .mutation, iteration: 1, island: 0, generation: 1, code: "b",
            result: EvaluationResult(status: .success, score: 5), features: [:], generationRecord: record)
        try await store.commit(program: root, attempts: [])
        try await store.commit(program: lower, attempts: [AttemptRecord(iteration: 1, attempt: 1, parentID: root.id, model: "m", prompt: "p", answer: "a", outcome: .accepted)])
        #expect(try await store.modelUsage().first?.improvements == 0, "maximizing: 5 is worse than 10")
        let configuration = try Self.configuration()
        try await store.updateRunInfo { $0.configuration = configuration }
        #expect(try await store.modelUsage().first?.improvements == 1, "minimizing: 5 beats 10")
    }

    @Test("concurrent updates from two connections lose nothing")
    func concurrentUpdates() async throws {
        let file = try StoreFile()
        defer { file.remove() }
        let first = try SQLiteProgramStore(path: file.path)
        let second = try SQLiteProgramStore(path: file.path)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                let store = index.isMultiple(of: 2) ? first : second
                group.addTask { try await store.updateRunInfo { $0.modelCost += 1 } }
            }
            try await group.waitForAll()
        }
        #expect(try await first.runInfo().modelCost == 40)
    }
}
