import EvolveCore
import EvolveDatabase
import Foundation

extension RunReport {
    /// One model answer of the iteration that made a program (rejected ones included).
    public struct AttemptView: Codable, Sendable {
        public var attempt: Int
        public var model: String
        public var outcome: String
        public var kind: String?
        public var message: String?
        public var answer: String
        public var seconds: Double
    }

    /// Everything about one program.
    public struct ProgramDetail: Codable, Sendable {
        public var program: ProgramSummary
        public var code: String
        public var diff: [LineDiff.Line]
        /// The edits as the model wrote them (SEARCH/REPLACE or rewrite), rendered.
        public var mutation: String?
        public var prompt: String?
        public var answer: String?
        public var attempts: [AttemptView]
        public var failureReason: String?
        public var stdoutTail: String
        public var stderrTail: String
        public var metrics: [String: JSONValue]
        public var artifacts: [String: JSONValue]
        public var features: [String: Double]
        public var children: [ProgramSummary]
        /// From the starting program to this one.
        public var path: [ProgramSummary]
        /// The honest verifiers' line for a would-be best ("rechecked 2×, stable; held-out 0.87 (search 0.91)").
        public var verification: String?
        /// The held-out score (`evaluator.final`), beside the search score.
        public var heldOutScore: Double?
        /// What its evaluations asked of the model through the gateway (`evaluator.model`), refusals included.
        public var modelGateway: ModelGatewayUsage?
    }

    public static func program(_ id: String, store: any ProgramStore) async throws -> ProgramDetail? {
        let programs = try await store.allPrograms()
        guard let program = programs.first(where: { $0.id.rawValue == id }) else { return nil }
        let start = programs.first?.createdAt ?? program.createdAt
        let byID = Dictionary(programs.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var path: [Program] = []
        var cursor: Program? = program
        while let step = cursor, path.count < 100_000 {
            path.append(step)
            cursor = step.parentID.flatMap { byID[$0] }
        }
        let parent = program.parentID.flatMap { byID[$0] }
        let attempts = program.origin == .mutation ? try await store.attempts(iteration: program.iteration) : []
        let record = program.generationRecord
        return ProgramDetail(
            program: summary(program, start: start), code: ProgramTree(decoding: program.code)?.readable ?? program.code,
            diff: parent.map { LineDiff.programLines(from: $0.code, to: program.code) } ?? [],
            mutation: record?.diff, prompt: record?.prompt, answer: record?.answer,
            attempts: attempts.map {
                AttemptView(attempt: $0.attempt, model: $0.model, outcome: $0.outcome.rawValue, kind: $0.kind, message: $0.message,
                    answer: $0.answer, seconds: $0.modelSeconds)
            },
            failureReason: program.result.failureReason, stdoutTail: program.result.stdoutTail,
            stderrTail: program.result.stderrTail, metrics: program.result.metrics, artifacts: program.result.artifacts,
            features: program.features,
            children: programs.filter { $0.parentID == program.id }.map { summary($0, start: start) },
            path: path.reversed().map { summary($0, start: start) },
            verification: program.verification?.summary, heldOutScore: program.verification?.heldOutScore,
            modelGateway: program.modelGateway)
    }
}
