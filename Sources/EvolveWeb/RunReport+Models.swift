import EvolveCore
import EvolveDatabase
import Foundation

extension RunReport {
    /// Per model: answers, acceptances, improvements, tokens, time, cost and failed requests.
    public struct ModelRow: Codable, Sendable {
        public var model: String
        public var answers: Int
        public var accepted: Int
        public var improvements: Int
        public var promptTokens: Int
        public var completionTokens: Int
        public var secondsPerAnswer: Double
        public var cost: Double
        public var faults: [String: Int]
    }

    public static func models(_ store: any ProgramStore) async throws -> [ModelRow] {
        let usage = try await store.modelUsage()
        let faults = try await store.faultCounts()
        var rows = usage.map { use in
            ModelRow(
                model: use.model, answers: use.answers, accepted: use.accepted, improvements: use.improvements,
                promptTokens: use.promptTokens, completionTokens: use.completionTokens,
                secondsPerAnswer: use.answers > 0 ? use.modelSeconds / Double(use.answers) : 0, cost: use.cost,
                faults: faults[use.model] ?? [:])
        }
        for (model, kinds) in faults.sorted(by: { $0.key < $1.key }) where !rows.contains(where: { $0.model == model }) {
            rows.append(ModelRow(
                model: model, answers: 0, accepted: 0, improvements: 0, promptTokens: 0, completionTokens: 0,
                secondsPerAnswer: 0, cost: 0, faults: kinds))
        }
        return rows
    }

    /// A run's best score so far after each evaluation, for the compare chart.
    public struct Curve: Codable, Sendable {
        public var name: String
        public var direction: String
        /// [evaluation number, best score so far, seconds after the start].
        public var points: [[Double]]
    }

    public static func curve(name: String, store: any ProgramStore) async throws -> Curve {
        let programs = try await store.allPrograms().filter { $0.origin != .migration }
        let goal = try await store.runInfo().goal
        let start = programs.first?.createdAt ?? Date()
        var best: Double?
        var points: [[Double]] = []
        for (index, program) in programs.enumerated() {
            if let score = program.score, best.map({ goal.isBetter(score, than: $0) }) ?? true { best = score }
            if let best { points.append([Double(index + 1), best, program.createdAt.timeIntervalSince(start)]) }
        }
        return Curve(name: name, direction: goal.direction.rawValue, points: points)
    }
}
