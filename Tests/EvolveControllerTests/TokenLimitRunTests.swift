import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

/// An answer the server stopped at `llm.max_tokens` (finish_reason "length"): unusable, it is
/// recorded as `truncated` and the model is asked for a shorter one; usable, it is a child.
@Suite("Answers cut off at the token limit", .serialized)
struct TokenLimitRunTests {
    /// A rewrite of knapsack that ran out of tokens inside its EVOLVE-BLOCK: no end marker, no closing fence.
    static func cutOffRewrite() throws -> String {
        let program = try String(contentsOf: PackagePaths.knapsackExample.appendingPathComponent("initial_program.py"), encoding: .utf8)
        let start = try #require(program.range(of: "EVOLVE-BLOCK-END"))
        return "Here is a better program:\n```python\n" + program[..<start.lowerBound] + "    # and then, to be thorough, we"
    }

    @Test("a cut-off answer that cannot be used is rejected as truncated, and the retry asks for a shorter answer")
    func cutOffAnswerIsTruncated() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-token-limit")
        defer { directory.remove() }
        let server = try await LoopbackLLMServer.start(replies: [.atTokenLimit(try Self.cutOffRewrite()), .answer(KnapsackAnswers.dynamicProgramming)])
        var problem = try DiffMatchRunTests().knapsack(directory, server: server)
        problem.configuration.llm.retries = 1
        problem.configuration.llm.maxTokens = 700
        let (programs, attempts) = try await DiffMatchRunTests().run(problem)
        await server.shutdown()

        #expect(attempts.map(\.outcome) == [.rejected, .accepted])
        #expect(attempts.first?.kind == "truncated")
        let message = attempts.first?.message ?? ""
        #expect(message.hasPrefix("The answer reached the token limit (700 tokens, llm.max_tokens) before it ended"), "\(message)")
        #expect(message.contains("EVOLVE-BLOCK"), "the record keeps what the cut-off text broke: \(message)")
        let feedback = server.requests.count == 2 ? server.requests[1].messages.last?.content ?? "" : ""
        #expect(feedback.contains("Answer more briefly"), "\(feedback)")
        #expect(programs.contains { $0.origin == .mutation && $0.score == 275 })
    }

    @Test("a cut-off answer whose change is complete still makes a child")
    func completeChangeAtTheLimitIsAccepted() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-token-limit")
        defer { directory.remove() }
        let server = try await LoopbackLLMServer.start(replies: [.atTokenLimit(KnapsackAnswers.dynamicProgramming + "\n\nThis works because the table")])
        let (programs, attempts) = try await DiffMatchRunTests().run(DiffMatchRunTests().knapsack(directory, server: server))
        await server.shutdown()
        #expect(attempts.map(\.outcome) == [.accepted])
        #expect(programs.contains { $0.origin == .mutation && $0.score == 275 })
    }
}
