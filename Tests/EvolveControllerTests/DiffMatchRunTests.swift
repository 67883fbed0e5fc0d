import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

/// `search.diff_match` in a run: a misquoted SEARCH part is placed and noted in the record, or
/// rejected with the program's closest lines fed back to the model.
@Suite("Similar-line SEARCH matching in a run", .serialized)
struct DiffMatchRunTests {
    /// Knapsack's lines 11–13 with "of " dropped from the comment, as a small model quotes them.
    static func answer(comment: String) -> String {
        """
        Sorting by value alone:
        <<<<<<< SEARCH
            \(comment)
            order = sorted(range(len(items)), key=lambda i: items[i][1] / items[i][0], reverse=True)
            chosen = []
        =======
            # Greedy by value alone.
            order = sorted(range(len(items)), key=lambda i: items[i][1], reverse=True)
            chosen = []
        >>>>>>> REPLACE
        """
    }

    static let misquoted = answer(comment: "# Greedy by value per unit weight: optimal for fractional knapsack, not for 0/1.")
    static let exact = answer(comment: "# Greedy by value per unit of weight: optimal for fractional knapsack, not for 0/1.")

    /// Knapsack on the loopback `server`, one iteration.
    func knapsack(_ directory: TemporaryDirectory, server: LoopbackLLMServer) throws -> Problem {
        var problem = try ReplayRunTests().knapsack(directory, serverURL: server.url)
        problem.configuration.search.iterations = 1
        return problem
    }

    /// Runs `problem` and returns its programs and the first iteration's attempts.
    func run(_ problem: Problem) async throws -> (programs: [Program], attempts: [AttemptRecord]) {
        let runs = try TemporaryDirectory(prefix: "evolve-diff-match")
        defer { runs.remove() }
        var overrides = RunOverrides(sandbox: .process)
        overrides.runDirectory = runs.url.appendingPathComponent("run").path
        let builder = RunBuilder(problem: problem, overrides: overrides, logger: testLogger)
        return try await builder.withRun { run in
            _ = try await run.execute(signals: [], logger: testLogger)
            return (try await run.store.allPrograms(), try await run.store.attempts(iteration: 1))
        }
    }

    @Test("a misquoted SEARCH part is placed on the similar lines, and the record says where and how similar")
    func misquotedPartIsPlacedAndNoted() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-diff-match")
        defer { directory.remove() }
        let server = try await LoopbackLLMServer.start(replies: [.answer(Self.misquoted)])
        let (programs, attempts) = try await run(knapsack(directory, server: server))
        await server.shutdown()
        let child = try #require(programs.first { $0.origin == .mutation })
        #expect(child.code.contains("    # Greedy by value alone.\n    order = sorted(range(len(items)), key=lambda i: items[i][1], reverse=True)\n"))
        let diff = child.generationRecord?.diff ?? ""
        #expect(diff.hasPrefix("(The SEARCH block matched lines 11–13 at similarity 0.9"), "\(diff)")
        #expect(attempts.map(\.outcome) == [.accepted])
        let message = attempts.first?.message ?? ""
        #expect(message.hasPrefix("program \(child.id); The SEARCH block matched lines 11–13 at similarity 0.9"), "\(message)")
    }

    @Test("with threshold 1 the misquoted part is rejected, and the retry's feedback quotes the program's lines to copy")
    func exactOnlyFeedsTheClosestLinesBack() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-diff-match")
        defer { directory.remove() }
        let server = try await LoopbackLLMServer.start(replies: [.answer(Self.misquoted), .answer(Self.exact)])
        var problem = try knapsack(directory, server: server)
        problem.configuration.search.diffMatch = .exact
        problem.configuration.llm.retries = 1
        let (programs, attempts) = try await run(problem)
        await server.shutdown()
        #expect(attempts.map(\.outcome) == [.rejected, .accepted])
        #expect(attempts.first?.kind == "no_match")
        let feedback = server.requests.count == 2 ? server.requests[1].messages.last?.content ?? "" : ""
        let quoted = """
            The closest are lines 11–13 (similarity 0.98):
            ```
                # Greedy by value per unit of weight: optimal for fractional knapsack, not for 0/1.
                order = sorted(range(len(items)), key=lambda i: items[i][1] / items[i][0], reverse=True)
                chosen = []
            ```
            """
        #expect(feedback.contains(quoted), "\(feedback)")
        #expect(programs.first { $0.origin == .mutation }?.generationRecord?.diff.hasPrefix("<<<<<<< SEARCH") == true)
    }

    @Test("an answer that copies the prompt's SEARCH/REPLACE example is told so, not that its lines are missing")
    func echoedFormatExampleIsNamed() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-diff-match")
        defer { directory.remove() }
        let echo = "## What to do\nGive the change as blocks:\n\n<<<<<<< SEARCH\nlines copied exactly from the current program\n=======\nthe lines that replace them\n>>>>>>> REPLACE\n"
        let server = try await LoopbackLLMServer.start(replies: [.answer(echo), .answer(Self.exact)])
        var problem = try knapsack(directory, server: server)
        problem.configuration.search.mode = .diff
        problem.configuration.llm.retries = 1
        let (_, attempts) = try await run(problem)
        await server.shutdown()
        #expect(attempts.map(\.outcome) == [.rejected, .accepted])
        #expect(attempts.first?.kind == "echoed_example")
        let message = attempts.first?.message ?? ""
        #expect(message.hasPrefix("The SEARCH part is the answer form's example (`lines copied exactly from the current program`)"), "\(message)")
        let feedback = server.requests.count == 2 ? server.requests[1].messages.last?.content ?? "" : ""
        #expect(feedback.contains("put lines copied from the current program after <<<<<<< SEARCH"), "\(feedback)")
    }
}
