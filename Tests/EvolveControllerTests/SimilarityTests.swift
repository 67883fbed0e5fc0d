import EvolveController
import EvolveCore
import EvolveTesting
import Foundation
import Testing

/// The local similarity (`search.novelty.method: ngram`) on the knapsack example's programs.
@Suite("Program similarity")
struct SimilarityTests {
    static let start = (try? String(contentsOf: PackagePaths.knapsackExample.appendingPathComponent("initial_program.py"), encoding: .utf8)) ?? ""

    static func child(_ answer: String) throws -> String {
        try Mutation.parse(answer).apply(to: start)
    }

    @Test("layout and spacing do not count: a re-spaced copy is as similar as the same code")
    func layoutIsIgnored() throws {
        let spaced = Self.start.replacingOccurrences(of: "chosen.append(i)", with: "chosen.append( i )")
            .replacingOccurrences(of: "    order =", with: "    order  =")
        #expect(NgramSimilarity().similarity(Self.start, spaced) == 1)
    }

    @Test("a one-line change to the 100-token block stays well below the default threshold; a new algorithm is far")
    func smallAndLargeChanges() throws {
        let similarity = NgramSimilarity()
        let variant = similarity.similarity(Self.start, try Self.child(KnapsackAnswers.variant(1)))
        let siblings = similarity.similarity(try Self.child(KnapsackAnswers.variant(1)), try Self.child(KnapsackAnswers.variant(2)))
        let rewrite = similarity.similarity(Self.start, try Self.child(KnapsackAnswers.dynamicProgramming))
        #expect(variant > 0.8 && variant < NoveltyConfiguration.defaultThreshold, "\(variant)")
        #expect(siblings > 0.8 && siblings < NoveltyConfiguration.defaultThreshold, "\(siblings)")
        #expect(rewrite < 0.3, "\(rewrite)")
    }

    @Test("only the EVOLVE-BLOCK counts: changes outside it do not make a program novel")
    func onlyTheBlockCounts() {
        let outside = Self.start.replacingOccurrences(of: "print(solve(", with: "result = (solve(")
        #expect(outside != Self.start)
        #expect(NgramSimilarity().similarity(Self.start, outside) == 1)
    }

    @Test("the most similar program is found among several, with its similarity")
    func mostSimilar() throws {
        let programs = [KnapsackAnswers.dynamicProgramming, KnapsackAnswers.variant(1)].enumerated().map { index, answer in
            Program(
                id: ProgramID("p\(index)"), parentID: nil, origin: .mutation, iteration: index, island: 0, generation: 1,
                code: (try? Self.child(answer)) ?? "", result: EvaluationResult(status: .success, score: 1))
        }
        let found = try #require(NgramSimilarity().mostSimilar(to: try Self.child(KnapsackAnswers.variant(2)), among: programs))
        #expect(found.program.id == ProgramID("p1"))
        #expect(found.similarity > 0.8)
    }
}
