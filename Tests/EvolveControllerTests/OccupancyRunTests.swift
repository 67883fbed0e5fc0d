import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

/// Each child's pass through the pipeline is stored, and the end of a run says which slots were
/// busy and which held the run back.
@Suite("slot occupancy and stage times", .serialized)
struct OccupancyRunTests {
    func run(sleep: Double, modelDelay: Double, modelSlots: Int, evaluationSlots: Int) async throws -> (RunSummary, [Program]) {
        let (directory, problem, _) = try slowKnapsack(sleep: sleep, iterations: 6, modelConcurrency: modelSlots, evaluationConcurrency: evaluationSlots)
        defer { directory.remove() }
        return try await LoopbackLLMServer.with(script: { .delayed(seconds: modelDelay, .answer(KnapsackAnswers.variant($0.index))) }) { server in
            let store = try SQLiteProgramStore(path: directory.url.appendingPathComponent("run.sqlite").path)
            let controller = Controller(
                problem: problem,
                llm: OllamaClient(configuration: .init(endpoint: server.url, model: LLMConfiguration.defaultModel), logger: testLogger),
                sandbox: ProcessSandbox(configuration: .init(), logger: testLogger), store: store, settings: RunSettings(problem.configuration),
                logger: testLogger)
            let summary = try await controller.run(runDirectory: directory.url.path)
            return (summary, try await SQLiteProgramStore(path: directory.url.appendingPathComponent("run.sqlite").path, readOnly: true).allPrograms())
        }
    }

    @Test("a slow evaluator with one slot and a fast model: children wait for the slot, and the run says the evaluator is the bottleneck")
    func evaluatorBound() async throws {
        let (summary, programs) = try await run(sleep: 1, modelDelay: 0, modelSlots: 2, evaluationSlots: 1)
        let line = summary.occupancy.summary(modelSlots: 2, evaluationSlots: 1, over: summary.elapsedSeconds)
        #expect(line.contains("the evaluator is the bottleneck"), "\(line)")
        let children = programs.filter { $0.origin == .mutation }
        #expect(children.count == 6)
        for child in children {
            let timing = try #require(child.timing, "child \(child.id) has no stage times")
            let (started, evaluated, committed) = (try #require(timing.evaluationStarted), try #require(timing.evaluated), try #require(timing.commitStarted))
            #expect(timing.generationStarted <= timing.generated && timing.generated <= started && started <= evaluated && evaluated <= committed)
            #expect(evaluated - started >= 1, "the evaluation sleeps a second")
        }
        #expect(summary.occupancy.meanEvaluationWait > 0.3, "children waited \(summary.occupancy.meanEvaluationWait) s")
        #expect(programs.filter { $0.origin == .initial }.allSatisfy { $0.timing == nil })
    }

    @Test("a slow model with one slot and a fast evaluator: the run says the model is the bottleneck")
    func modelBound() async throws {
        let (summary, _) = try await run(sleep: 0, modelDelay: 1, modelSlots: 1, evaluationSlots: 2)
        let line = summary.occupancy.summary(modelSlots: 1, evaluationSlots: 2, over: summary.elapsedSeconds)
        #expect(line.contains("the model is the bottleneck"), "\(line)")
        #expect(summary.occupancy.model(slots: 1, over: summary.elapsedSeconds) > 0.8)
    }
}
