import EvolveCore
import Foundation
import Testing

/// `evaluator.model`: the model gateway for evaluators and its budget per evaluation.
@Suite("Model gateway configuration")
struct GatewayConfigurationTests {
    @Test("off unless given; given empty, 20 calls and 20000 tokens; both read")
    func decodes() throws {
        #expect(try ProblemConfiguration.parse(yaml: "{}\n", file: "evolve.yaml").evaluator.model == nil)
        #expect(try ProblemConfiguration.parse(yaml: "evaluator: {model: {}}\n", file: "evolve.yaml").evaluator.model == .init(calls: 20, tokens: 20_000))
        let given = try ProblemConfiguration.parse(yaml: "evaluator:\n  model:\n    calls: 8\n    tokens: 4000\n", file: "evolve.yaml")
        #expect(given.evaluator.model == .init(calls: 8, tokens: 4000))
    }

    @Test("a program's gateway usage adds its verification's; refusals past the kept ones are still counted")
    func usage() throws {
        var search = ModelGatewayUsage(calls: 2, promptTokens: 10, completionTokens: 5, cost: 0.5)
        for _ in 0..<(ModelGatewayUsage.keptRefusals + 3) { search.refuse(.init(kind: .callsBudget, message: "spent")) }
        #expect(search.refused == ModelGatewayUsage.keptRefusals + 3 && search.refusals.count == ModelGatewayUsage.keptRefusals)
        var recheck = EvaluationResult(status: .success, score: 1)
        recheck.modelGateway = ModelGatewayUsage(calls: 1, promptTokens: 1, completionTokens: 1, refused: 1, refusals: [.init(kind: .path, message: "no")])
        var result = EvaluationResult(status: .success, score: 1)
        result.modelGateway = search
        let program = Program(
            id: ProgramID("a"), parentID: nil, origin: .initial, iteration: 0, island: 0, generation: 0, code: "", result: result,
            verification: Verification(searchScore: 1, rechecks: [.init(recheck)], tolerance: 0, heldOut: nil))
        let total = try #require(program.modelGateway)
        #expect(total.calls == 3 && total.tokens == 17 && total.cost == 0.5 && total.refused == ModelGatewayUsage.keptRefusals + 4)
        #expect(total.summary == "3 calls, 17 tokens, $0.5000; \(ModelGatewayUsage.keptRefusals + 4) refused (calls_budget)")
        // Stored and read back as JSON (programs.model_gateway).
        let decoded = try JSONDecoder().decode(ModelGatewayUsage.self, from: JSONEncoder().encode(total))
        #expect(decoded == total)
    }
}
