import EvolveCore
import EvolveDatabase
import Foundation

/// The JSON the page reads: what a run holds, shaped for its views. Everything here is data the
/// page puts on screen as text; it never becomes markup.
public enum RunReport {
    /// One program as a point of the score chart and a node of the lineage tree.
    public struct ProgramSummary: Codable, Sendable, Hashable {
        public var id: String
        public var parent: String?
        public var island: Int
        public var iteration: Int
        public var generation: Int
        public var origin: String
        public var status: String
        public var score: Double?
        /// Seconds after the run's first program.
        public var seconds: Double
        public var model: String?
        /// `search.mutations`: diff, rewrite or crossover.
        public var mutationKind: String?
        /// `search.meta_prompt`: the instruction variant of the child's prompt.
        public var instructionID: Int?
    }

    public struct ProgramList: Codable, Sendable {
        public var programs: [ProgramSummary]
        /// Pass as `after` to the live stream.
        public var cursor: Int64
    }

    static func summary(_ program: Program, start: Date) -> ProgramSummary {
        var summary = ProgramSummary(
            id: program.id.rawValue, parent: program.parentID?.rawValue, island: program.island, iteration: program.iteration,
            generation: program.generation, origin: program.origin.rawValue, status: program.result.status.rawValue,
            score: program.result.score, seconds: max(0, program.createdAt.timeIntervalSince(start)),
            model: program.generationRecord?.model)
        summary.mutationKind = program.generationRecord?.mutationKind?.rawValue
        summary.instructionID = program.generationRecord?.instructionID
        return summary
    }

    /// When the run began: its first program's time (now for an empty run).
    static func start(of store: any ProgramStore) async throws -> Date {
        try await store.programs(after: .start).programs.first?.createdAt ?? Date()
    }

    public static func programs(_ store: any ProgramStore) async throws -> ProgramList {
        let (programs, cursor) = try await store.programs(after: .start)
        let start = programs.first?.createdAt ?? Date()
        return ProgramList(programs: programs.map { summary($0, start: start) }, cursor: cursor.sequence)
    }

    /// The best program under `goal`, if any has a score.
    static func best(_ programs: [Program], goal: Goal) -> Program? {
        programs.reduce(nil as Program?) { best, program in
            guard let score = program.score else { return best }
            guard let current = best?.score else { return program }
            return goal.isBetter(score, than: current) ? program : best
        }
    }
}
