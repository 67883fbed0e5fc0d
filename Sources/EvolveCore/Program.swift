import Foundation

/// A stable identifier of a program in a run.
public struct ProgramID: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// A new random identifier (12 hex digits: short enough to type, long enough not to collide in a run).
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> ProgramID {
        let value = generator.next() & 0xFFFF_FFFF_FFFF
        let hex = String(value, radix: 16)
        return ProgramID(String(repeating: "0", count: 12 - hex.count) + hex)
    }

    public var description: String { rawValue }
}

/// How a program came into the archive.
public enum ProgramOrigin: String, Sendable, Hashable, Codable {
    /// The problem's starting program.
    case initial
    /// A model-proposed child of a parent.
    case mutation
    /// A copy of another island's elite, placed by ring migration.
    case migration
}

/// The model exchange that produced a program: kept so that a run explains itself.
public struct GenerationRecord: Sendable, Hashable, Codable {
    public var model: String
    /// The prompt messages, rendered as `role: text` blocks.
    public var prompt: String
    public var answer: String
    /// The rendered edits or the rewrite that was applied.
    public var diff: String
    /// Number of model calls this child needed (1 + retries after rejections).
    public var attempts: Int
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var modelSeconds: Double
    /// How the child was asked for, when `search.mutations` or `search.meta_prompt` is set.
    public var mutationKind: MutationKind?
    /// The instruction variant of the prompt, when `search.meta_prompt` is set.
    public var instructionID: Int?

    public init(
        model: String, prompt: String, answer: String, diff: String, attempts: Int,
        promptTokens: Int? = nil, completionTokens: Int? = nil, modelSeconds: Double
    ) {
        self.model = model
        self.prompt = prompt
        self.answer = answer
        self.diff = diff
        self.attempts = attempts
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.modelSeconds = modelSeconds
    }
}

/// A scored program in the archive.
public struct Program: Sendable, Hashable, Codable, Identifiable {
    public var id: ProgramID
    public var parentID: ProgramID?
    public var origin: ProgramOrigin
    /// The iteration that produced this program (0 for the initial program and for migrants).
    public var iteration: Int
    public var island: Int
    /// Number of mutation steps from the initial program.
    public var generation: Int
    public var code: String
    public var result: EvaluationResult
    /// Feature coordinates used for the MAP-Elites grid (built-ins plus the evaluator's own).
    public var features: [String: Double]
    public var generationRecord: GenerationRecord?
    /// The honest verifiers' findings, for a program that was a new best when it was evaluated.
    public var verification: Verification?
    /// When the child passed each stage of the pipeline (nil for the start, migrants and older runs).
    public var timing: ProgramTiming?
    public var createdAt: Date

    public init(
        id: ProgramID,
        parentID: ProgramID?,
        origin: ProgramOrigin,
        iteration: Int,
        island: Int,
        generation: Int,
        code: String,
        result: EvaluationResult,
        features: [String: Double] = [:],
        generationRecord: GenerationRecord? = nil,
        verification: Verification? = nil,
        timing: ProgramTiming? = nil,
        createdAt: Date = Date()
    ) {
        self.id = id
        self.parentID = parentID
        self.origin = origin
        self.iteration = iteration
        self.island = island
        self.generation = generation
        self.code = code
        self.result = result
        self.features = features
        self.generationRecord = generationRecord
        self.verification = verification
        self.timing = timing
        self.createdAt = createdAt
    }

    public var score: Double? { result.isSuccess ? result.score : nil }

    /// Seconds the evaluator spent on the program, its verification (rechecks, held-out stage) included.
    public var evaluatorSeconds: Double { result.duration + (verification?.duration ?? 0) }

    /// What the program's evaluations (its verification's included) asked of the model through the gateway.
    public var modelGateway: ModelGatewayUsage? {
        switch (result.modelGateway, verification?.modelGateway) {
        case (let search?, let verified?): return search + verified
        case (let usage, nil), (nil, let usage): return usage
        }
    }
}
