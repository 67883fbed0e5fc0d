import EvolveCore
import EvolveDatabase
import Foundation
import Testing

/// `attempts.tokens_estimated` says which token counts are estimates (migration "v4 estimated tokens").
@Suite struct EstimatedTokensTests {
    @Test("estimated, counted and missing token counts come back as stored")
    func roundTrip() async throws {
        let file = try SQLiteProgramStoreTests.StoreFile()
        defer { file.remove() }
        let store = try SQLiteProgramStore(path: file.path)
        let attempts = [
            AttemptRecord(iteration: 1, attempt: 1, parentID: nil, model: "m", prompt: "p", answer: "a", outcome: .rejected,
                          promptTokens: 10, completionTokens: 3, tokensEstimated: true),
            AttemptRecord(iteration: 1, attempt: 2, parentID: nil, model: "m", prompt: "p", answer: "b", outcome: .rejected,
                          promptTokens: 12, completionTokens: 4),
            AttemptRecord(iteration: 1, attempt: 3, parentID: nil, model: "m", prompt: "p", answer: "", outcome: .modelError),
        ]
        try await store.commit(program: nil, attempts: attempts)
        let stored = try await store.attempts(iteration: 1)
        #expect(stored.map(\.tokensEstimated) == [true, false, false])
        #expect(stored.map(\.promptTokens) == [10, 12, nil])
    }
}
