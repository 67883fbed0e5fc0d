import EvolveCore
import EvolveDatabase
import Foundation

extension RunReport {
    /// The numbers at the top of the page.
    public struct Overview: Codable, Sendable {
        public var name: String
        public var live: Bool
        public var direction: String
        public var target: Double?
        public var bestScore: Double?
        public var bestProgram: String?
        public var iterationsDone: Int
        public var iterationsPlanned: Int?
        public var programs: Int
        public var evaluations: Int
        public var evaluationsPerSecond: Double
        /// Answers received plus failed requests.
        public var modelCalls: Int
        public var promptTokens: Int
        public var completionTokens: Int
        public var cost: Double
        public var faults: [String: Int]
        /// Failed children by status, and iterations that ended without a child by reason.
        public var failures: [String: Int]
        public var elapsedSeconds: Double
        /// From the pace so far; nil when finished or unknown.
        public var remainingSeconds: Double?
    }

    public static func overview(name: String, store: any ProgramStore, live: Bool, now: Date = Date()) async throws -> Overview {
        let programs = try await store.allPrograms()
        let info = try await store.runInfo()
        let finished = try await store.finishedIterations()
        let usage = try await store.modelUsage()
        var faults: [String: Int] = [:]
        for kinds in try await store.faultCounts().values { faults.merge(kinds, uniquingKeysWith: +) }
        let evaluated = programs.filter { $0.origin != .migration }
        let start = programs.first?.createdAt ?? now
        let end = live ? now : (programs.map(\.createdAt).max() ?? now)
        let elapsed = max(0, end.timeIntervalSince(start))
        let planned = info.configuration?.search.iterations
        let best = best(programs, goal: info.goal)
        let done = finished.count
        let reached = best?.score.map { info.goal.reachesTarget($0) } ?? false
        var remaining: Double?
        if live, !reached, let planned, done > 0, planned > done { remaining = elapsed / Double(done) * Double(planned - done) }
        return Overview(
            name: name, live: live, direction: info.goal.direction.rawValue, target: info.goal.target,
            bestScore: best?.score, bestProgram: best?.id.rawValue, iterationsDone: done, iterationsPlanned: planned,
            programs: programs.count, evaluations: evaluated.count,
            evaluationsPerSecond: elapsed > 0 ? Double(evaluated.count) / elapsed : 0,
            modelCalls: usage.reduce(0) { $0 + $1.answers } + faults.values.reduce(0, +),
            promptTokens: usage.reduce(0) { $0 + $1.promptTokens }, completionTokens: usage.reduce(0) { $0 + $1.completionTokens },
            cost: max(info.modelCost, usage.reduce(0) { $0 + $1.cost }), faults: faults,
            failures: try await failures(programs: programs, finished: finished, store: store),
            elapsedSeconds: elapsed, remainingSeconds: remaining)
    }

    /// Failed children by status; iterations without a child by their last attempt's reason.
    static func failures(programs: [Program], finished: Set<Int>, store: any ProgramStore) async throws -> [String: Int] {
        var failures: [String: Int] = [:]
        for program in programs where program.origin == .mutation && !program.result.isSuccess {
            failures[program.result.status.rawValue, default: 0] += 1
        }
        let withChild = Set(programs.filter { $0.origin == .mutation }.map(\.iteration))
        for iteration in finished.subtracting(withChild) {
            guard let last = try await store.attempts(iteration: iteration).last else { continue }
            failures[last.kind ?? last.outcome.rawValue, default: 0] += 1
        }
        return failures
    }
}
