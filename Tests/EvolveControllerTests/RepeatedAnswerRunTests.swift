import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

/// A retry whose answer repeats one the model already gave in the iteration ends the iteration:
/// asking a third time would most likely bring the same answer again.
@Suite("A repeated answer ends its iteration", .serialized)
struct RepeatedAnswerRunTests {
    static let prose = "Sorting by weight instead of value density would pack more items into the knapsack."

    @Test("the second identical answer is recorded as a repeat, and no third request is made")
    func repeatEndsIteration() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-repeat")
        defer { directory.remove() }
        let server = try await LoopbackLLMServer.start(replies: [.answer(Self.prose), .answer(Self.prose), .answer(KnapsackAnswers.dynamicProgramming)])
        var problem = try DiffMatchRunTests().knapsack(directory, server: server)
        problem.configuration.llm.retries = 2
        let (programs, attempts) = try await DiffMatchRunTests().run(problem)
        await server.shutdown()

        #expect(server.requests.count == 2)
        #expect(attempts.map(\.outcome) == [.rejected, .rejected])
        #expect(attempts.map(\.kind) == ["no_blocks", "no_blocks"])
        let message = attempts.last?.message ?? ""
        #expect(message.hasSuffix("The answer repeats attempt 1's, so the iteration ends rather than ask again."), "\(message)")
        #expect(!programs.contains { $0.origin == .mutation })
    }

    @Test("a different second answer gets its retry as before")
    func differentAnswersKeepRetrying() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-repeat")
        defer { directory.remove() }
        let server = try await LoopbackLLMServer.start(replies: [.answer(Self.prose), .answer(Self.prose + " Or by value."), .answer(KnapsackAnswers.dynamicProgramming)])
        var problem = try DiffMatchRunTests().knapsack(directory, server: server)
        problem.configuration.llm.retries = 2
        let (programs, attempts) = try await DiffMatchRunTests().run(problem)
        await server.shutdown()

        #expect(attempts.map(\.outcome) == [.rejected, .rejected, .accepted])
        #expect(programs.contains { $0.origin == .mutation && $0.score == 275 })
    }
}
