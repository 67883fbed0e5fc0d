import EvolveCore
import EvolveDatabase
import Foundation
import Testing

/// `programs.model_gateway` (migration v9): what an evaluator asked of the model through the gateway.
@Suite struct ModelGatewayStoreTests {
    @Test("a run database written before the gateway migrates; its programs have no gateway usage; a new one's round-trips with its verification's")
    func roundTrips() async throws {
        let (copy, expected) = try RunDatabaseFixtureTests.fixture()
        defer { try? FileManager.default.removeItem(at: copy.deletingLastPathComponent()) }
        let store = try SQLiteProgramStore(path: copy.path)
        let old = try await store.allPrograms()
        #expect(old == expected.programs)
        #expect(old.allSatisfy { $0.modelGateway == nil })

        let parent = try #require(old.first { $0.origin == .initial })
        var child = RunDatabaseFixtureTests.child(of: parent, after: expected)
        var usage = ModelGatewayUsage(calls: 3, promptTokens: 120, completionTokens: 30, cost: 0.02)
        usage.refuse(.init(kind: .callsBudget, message: "this evaluation's 3 model calls are spent (evaluator.model.calls)"))
        child.result.modelGateway = usage
        var recheck = child.result
        recheck.modelGateway = ModelGatewayUsage(calls: 1, promptTokens: 10, completionTokens: 5)
        child.verification = Verification(searchScore: child.result.score ?? 0, rechecks: [.init(recheck)], tolerance: 0, heldOut: nil)
        try await store.commit(program: child, attempts: [])

        let reopened = try SQLiteProgramStore(path: copy.path, readOnly: true)
        let stored = try #require(try await reopened.allPrograms().first { $0.id == child.id })
        #expect(stored == child)
        #expect(stored.modelGateway?.calls == 4 && stored.modelGateway?.tokens == 165 && stored.modelGateway?.refused == 1)
    }
}
