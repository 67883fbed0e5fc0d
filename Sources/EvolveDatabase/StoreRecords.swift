import EvolveCore
import Foundation
import GRDB

/// A row of `programs`. Scores' metrics, features and artifacts are JSON text, so that `sqlite3`
/// shows them as written; times are seconds since 1970.
struct ProgramRow: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "programs"

    /// The commit sequence number (assigned by SQLite on insert).
    var seq: Int64?
    var id: String
    var parentID: String?
    var origin: String
    var iteration: Int
    var island: Int
    var generation: Int
    var status: String
    var score: Double?
    var failureReason: String?
    var code: String
    var codeHash: String
    var metrics: String
    var features: String
    var evaluatorFeatures: String
    var artifacts: String
    var stdoutTail: String
    var stderrTail: String
    var evalSeconds: Double
    var stage: String?
    var model: String?
    var prompt: String?
    var answer: String?
    var diff: String?
    var attempts: Int?
    var promptTokens: Int?
    var completionTokens: Int?
    var modelSeconds: Double?
    var mutationKind: String?
    var instructionID: Int?
    /// The honest verifiers' findings as JSON (`evaluator.recheck`, `evaluator.final`); NULL when none ran.
    var verification: String?
    /// When the child passed each stage of the pipeline, as JSON (`ProgramTiming`); NULL for the
    /// start, migrants and runs written before it was kept.
    var timing: String?
    /// What the evaluator asked of the model through the gateway, as JSON (`ModelGatewayUsage`);
    /// NULL when the gateway was off, and in runs written before it existed.
    var modelGateway: String?
    var createdAt: Double

    enum CodingKeys: String, CodingKey {
        case modelGateway = "model_gateway"
        case mutationKind = "mutation_kind"
        case instructionID = "instruction_id"
        case seq, id, origin, iteration, island, generation, status, score, code, metrics, features, artifacts, stage, verification, timing
        case model, prompt, answer, diff, attempts
        case parentID = "parent_id"
        case failureReason = "failure_reason"
        case codeHash = "code_hash"
        case evaluatorFeatures = "evaluator_features"
        case stdoutTail = "stdout_tail"
        case stderrTail = "stderr_tail"
        case evalSeconds = "eval_seconds"
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case modelSeconds = "model_seconds"
        case createdAt = "created_at"
    }

    init(_ program: Program) {
        let result = program.result
        let record = program.generationRecord
        seq = nil
        id = program.id.rawValue
        parentID = program.parentID?.rawValue
        origin = program.origin.rawValue
        iteration = program.iteration
        island = program.island
        generation = program.generation
        status = result.status.rawValue
        score = result.score
        failureReason = result.failureReason
        code = program.code
        codeHash = String(EvolveDatabase.codeHash(program.code), radix: 16)
        metrics = JSONText.encode(result.metrics)
        features = JSONText.encode(program.features)
        evaluatorFeatures = JSONText.encode(result.features)
        artifacts = JSONText.encode(result.artifacts)
        stdoutTail = result.stdoutTail
        stderrTail = result.stderrTail
        evalSeconds = result.duration
        stage = result.stage
        model = record?.model
        prompt = record?.prompt
        answer = record?.answer
        diff = record?.diff
        attempts = record?.attempts
        promptTokens = record?.promptTokens
        completionTokens = record?.completionTokens
        modelSeconds = record?.modelSeconds
        mutationKind = record?.mutationKind?.rawValue
        instructionID = record?.instructionID
        verification = program.verification.map(JSONText.encode)
        timing = program.timing.map(JSONText.encode)
        modelGateway = result.modelGateway.map(JSONText.encode)
        createdAt = program.createdAt.timeIntervalSince1970
    }

    var program: Program {
        var result = EvaluationResult(
            status: EvaluationResult.Status(rawValue: status) ?? .sandboxError, score: score, failureReason: failureReason,
            metrics: JSONText.decode(metrics) ?? [:], features: JSONText.decode(evaluatorFeatures) ?? [:],
            artifacts: JSONText.decode(artifacts) ?? [:], stdoutTail: stdoutTail, stderrTail: stderrTail,
            duration: evalSeconds, stage: stage)
        result.modelGateway = modelGateway.flatMap(JSONText.decode)
        let record = model.map { model in
            var record = GenerationRecord(
                model: model, prompt: prompt ?? "", answer: answer ?? "", diff: diff ?? "", attempts: attempts ?? 1,
                promptTokens: promptTokens, completionTokens: completionTokens, modelSeconds: modelSeconds ?? 0)
            record.mutationKind = mutationKind.flatMap(MutationKind.init(rawValue:))
            record.instructionID = instructionID
            return record
        }
        return Program(
            id: ProgramID(rawValue: id), parentID: parentID.map(ProgramID.init(rawValue:)),
            origin: ProgramOrigin(rawValue: origin) ?? .mutation, iteration: iteration, island: island,
            generation: generation, code: code, result: result, features: JSONText.decode(features) ?? [:],
            generationRecord: record, verification: verification.flatMap(JSONText.decode), timing: timing.flatMap(JSONText.decode),
            createdAt: Date(timeIntervalSince1970: createdAt))
    }
}

/// A row of `attempts`: one model call.
struct AttemptRow: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "attempts"

    var id: Int64?
    var iteration: Int
    var attempt: Int
    var parentID: String?
    var model: String
    var prompt: String
    var answer: String
    var outcome: String
    var kind: String?
    var message: String?
    var promptTokens: Int?
    var completionTokens: Int?
    var tokensEstimated: Bool?
    var modelSeconds: Double
    var cost: Double?
    var createdAt: Double

    enum CodingKeys: String, CodingKey {
        case id, iteration, attempt, model, prompt, answer, outcome, kind, message, cost
        case tokensEstimated = "tokens_estimated"
        case parentID = "parent_id"
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case modelSeconds = "model_seconds"
        case createdAt = "created_at"
    }

    init(_ record: AttemptRecord) {
        id = nil
        iteration = record.iteration
        attempt = record.attempt
        parentID = record.parentID?.rawValue
        model = record.model
        prompt = record.prompt
        answer = record.answer
        outcome = record.outcome.rawValue
        kind = record.kind
        message = record.message
        promptTokens = record.promptTokens
        completionTokens = record.completionTokens
        tokensEstimated = record.promptTokens == nil && record.completionTokens == nil ? nil : record.tokensEstimated
        modelSeconds = record.modelSeconds
        cost = record.cost
        createdAt = record.createdAt.timeIntervalSince1970
    }

    var record: AttemptRecord {
        AttemptRecord(
            iteration: iteration, attempt: attempt, parentID: parentID.map(ProgramID.init(rawValue:)), model: model,
            prompt: prompt, answer: answer, outcome: AttemptRecord.Outcome(rawValue: outcome) ?? .rejected, kind: kind,
            message: message, promptTokens: promptTokens, completionTokens: completionTokens, modelSeconds: modelSeconds,
            cost: cost, createdAt: Date(timeIntervalSince1970: createdAt), tokensEstimated: tokensEstimated ?? false)
    }
}

/// A row of `model_faults`: one failed model request.
struct FaultRow: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "model_faults"

    var id: Int64?
    var model: String
    var kind: String
    var message: String
    var willRetry: Bool
    var createdAt: Double

    enum CodingKeys: String, CodingKey {
        case id, model, kind, message
        case willRetry = "will_retry"
        case createdAt = "created_at"
    }
}

/// A row of `run_info`: one fact.
struct RunInfoRow: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "run_info"

    var key: String
    var value: String
}

/// Failed requests of one model and kind (an aggregate over `model_faults`).
struct FaultCountRow: Decodable, FetchableRecord {
    var model: String
    var kind: String
    var count: Int
}

/// One model's answers (an aggregate over `attempts`).
struct UsageRow: Decodable, FetchableRecord {
    var model: String
    var answers: Int
    var accepted: Int
    var promptTokens: Int
    var completionTokens: Int
    var seconds: Double
    var cost: Double

    enum CodingKeys: String, CodingKey {
        case model, answers, accepted, seconds, cost
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
    }
}

/// JSON text for the columns that hold dictionaries: sorted keys, non-finite numbers as strings.
enum JSONText {
    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func decode<T: Decodable>(_ text: String) -> T? {
        try? JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}
