import EvolveCore
import EvolveDatabase
import Foundation

extension RunReport {
    /// Where a run's time went, from the stage times stored with each child: how busy the model
    /// and evaluation slots were, how long children waited for an evaluation slot, and the number of
    /// model calls and evaluations in flight over time.
    public struct Throughput: Codable, Sendable {
        public var modelSlots: Int
        public var evaluationSlots: Int
        /// Seconds from the first child's model call to the last child's commit.
        public var seconds: Double
        public var children: Int
        public var evaluationsPerSecond: Double
        /// Shares (0…1) of slots × seconds that were busy.
        public var modelBusy: Double
        public var evaluationBusy: Double
        public var meanEvaluationWait: Double
        public var maxEvaluationWait: Double
        /// "model", "evaluator" or nil when neither clearly held the run back.
        public var bottleneck: String?
        /// Steps of the in-flight counts: seconds since `seconds` began, model calls, evaluations.
        public var steps: [Step]
    }

    public struct Step: Codable, Sendable, Hashable {
        public var t: Double
        public var model: Int
        public var evaluation: Int
    }

    public static func throughput(_ store: any ProgramStore) async throws -> Throughput {
        let info = try await store.runInfo()
        let timings = try await store.allPrograms().compactMap(\.timing)
        let modelSlots = info.configuration?.llm.concurrency ?? 1
        let evaluationSlots = info.configuration?.sandbox.concurrency ?? 1
        let shares = SlotShares(timings, modelSlots: modelSlots, evaluationSlots: evaluationSlots)
        return Throughput(
            modelSlots: modelSlots, evaluationSlots: evaluationSlots, seconds: shares.seconds, children: timings.count,
            evaluationsPerSecond: shares.seconds > 0 ? Double(timings.count) / shares.seconds : 0, modelBusy: shares.model,
            evaluationBusy: shares.evaluation, meanEvaluationWait: shares.meanEvaluationWait, maxEvaluationWait: shares.maxEvaluationWait,
            bottleneck: shares.bottleneck,
            steps: steps(timings, from: timings.map(\.generationStarted).min() ?? 0))
    }

    /// The in-flight counts after each start or end of a model call or an evaluation.
    static func steps(_ timings: [ProgramTiming], from start: Double) -> [Step] {
        var changes: [(t: Double, model: Int, evaluation: Int)] = []
        for timing in timings {
            changes += [(timing.generationStarted, 1, 0), (timing.generated, -1, 0)]
            if let begun = timing.evaluationStarted, let ended = timing.evaluated { changes += [(begun, 0, 1), (ended, 0, -1)] }
        }
        var (model, evaluation) = (0, 0)
        return changes.sorted { $0.t < $1.t }.map { change in
            model += change.model
            evaluation += change.evaluation
            return Step(t: change.t - start, model: model, evaluation: evaluation)
        }
    }
}
