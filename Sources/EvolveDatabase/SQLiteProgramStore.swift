import EvolveCore
import Foundation
import GRDB

/// A run's store: one SQLite file (WAL mode) that `sqlite3` can open while the run goes on.
///
/// Tables: `programs` (one row per evaluated program or migrant, with code, scores, metrics,
/// features, artifacts, output tails, prompt, answer, diff and timings), `attempts` (every model
/// call with its outcome) and `run_info` (key/value facts such as the configuration used).
public final class SQLiteProgramStore: ProgramStore {
    public let path: String
    private let pool: DatabasePool

    /// Opens (and, for a writer, creates and migrates) the run database at `path`.
    ///
    /// Only the run itself writes. Everything else that looks at a run — `evolve best`, a test
    /// watching a run — opens it `readOnly`: no schema migration, so it cannot race the run's own
    /// creation of the file, and nothing it does can change the run.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        var configuration = Configuration()
        configuration.readonly = readOnly
        if !readOnly {
            configuration.prepareDatabase { db in
                // WAL with NORMAL sync survives a killed process; only a power cut could drop the last commit.
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
        }
        configuration.busyMode = .timeout(10)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            if !readOnly { try Self.migrator.migrate(pool) }
        } catch {
            throw StoreError(.open, "cannot open the run database \(path): \(Self.describe(error)); check the path, free disk space and permissions")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE programs (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        parent_id TEXT,
                        origin TEXT NOT NULL,
                        iteration INTEGER NOT NULL,
                        island INTEGER NOT NULL,
                        generation INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        score REAL,
                        failure_reason TEXT,
                        code TEXT NOT NULL,
                        code_hash TEXT NOT NULL,
                        metrics TEXT NOT NULL,
                        features TEXT NOT NULL,
                        evaluator_features TEXT NOT NULL,
                        artifacts TEXT NOT NULL,
                        stdout_tail TEXT NOT NULL,
                        stderr_tail TEXT NOT NULL,
                        eval_seconds REAL NOT NULL,
                        stage TEXT,
                        model TEXT,
                        prompt TEXT,
                        answer TEXT,
                        diff TEXT,
                        attempts INTEGER,
                        prompt_tokens INTEGER,
                        completion_tokens INTEGER,
                        model_seconds REAL,
                        created_at REAL NOT NULL
                    );
                    CREATE UNIQUE INDEX programs_by_iteration ON programs(iteration) WHERE origin = 'mutation';
                    CREATE INDEX programs_by_score ON programs(score);
                    CREATE INDEX programs_by_hash ON programs(code_hash);
                    CREATE TABLE attempts (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        iteration INTEGER NOT NULL,
                        attempt INTEGER NOT NULL,
                        parent_id TEXT,
                        model TEXT NOT NULL,
                        prompt TEXT NOT NULL,
                        answer TEXT NOT NULL,
                        outcome TEXT NOT NULL,
                        kind TEXT,
                        message TEXT,
                        prompt_tokens INTEGER,
                        completion_tokens INTEGER,
                        model_seconds REAL NOT NULL,
                        created_at REAL NOT NULL
                    );
                    CREATE INDEX attempts_by_iteration ON attempts(iteration);
                    CREATE TABLE run_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    """)
        }
        migrator.registerMigration("v2 model faults") { db in
            try db.execute(
                sql: """
                    CREATE TABLE model_faults (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        model TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        message TEXT NOT NULL,
                        will_retry INTEGER NOT NULL,
                        created_at REAL NOT NULL
                    )
                    """)
        }
        migrator.registerMigration("v3 attempt cost") { db in
            try db.execute(sql: "ALTER TABLE attempts ADD COLUMN cost REAL")
        }
        return migrator
    }

    public func recordFault(model: String, kind: String, message: String, willRetry: Bool) throws {
        do {
            try pool.write { db in
                try db.execute(
                    sql: "INSERT INTO model_faults (model, kind, message, will_retry, created_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [model, kind, message, willRetry, Date().timeIntervalSince1970])
            }
        } catch {
            throw StoreError(.write, "cannot write a model fault to \(path): \(Self.describe(error))")
        }
    }

    public func faultCounts() throws -> [String: [String: Int]] {
        try read { db in
            var counts: [String: [String: Int]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT model, kind, count(*) AS n FROM model_faults GROUP BY model, kind") {
                counts[row["model"], default: [:]][row["kind"]] = row["n"]
            }
            return counts
        }
    }

    public func commit(program: Program?, attempts: [AttemptRecord]) throws {
        do {
            try pool.write { db in
                if let program { try Self.insert(program, into: db) }
                for attempt in attempts { try Self.insert(attempt, into: db) }
            }
        } catch {
            let what = program.map { "program \($0.id)" } ?? "iteration \(attempts.first?.iteration ?? 0)"
            throw StoreError(.write, "cannot write \(what) to \(path): \(Self.describe(error)); check free disk space")
        }
    }

    public func finishedIterations() throws -> Set<Int> {
        try read { db in Set(try Int.fetchAll(db, sql: "SELECT DISTINCT iteration FROM attempts")) }
    }

    static func insert(_ program: Program, into db: Database) throws {
        let record = program.generationRecord
        let result = program.result
        let arguments: StatementArguments = [
            program.id.rawValue, program.parentID?.rawValue, program.origin.rawValue, program.iteration, program.island,
            program.generation, result.status.rawValue, result.score, result.failureReason, program.code,
            String(codeHash(program.code), radix: 16), json(result.metrics), json(program.features), json(result.features),
            json(result.artifacts), result.stdoutTail, result.stderrTail, result.duration, result.stage,
            record?.model, record?.prompt, record?.answer, record?.diff, record?.attempts, record?.promptTokens,
            record?.completionTokens, record?.modelSeconds, program.createdAt.timeIntervalSince1970,
        ]
        try db.execute(
            sql: """
                INSERT INTO programs (id, parent_id, origin, iteration, island, generation, status, score,
                    failure_reason, code, code_hash, metrics, features, evaluator_features, artifacts, stdout_tail,
                    stderr_tail, eval_seconds, stage, model, prompt, answer, diff, attempts, prompt_tokens,
                    completion_tokens, model_seconds, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: arguments)
    }

    static func insert(_ attempt: AttemptRecord, into db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO attempts (iteration, attempt, parent_id, model, prompt, answer, outcome, kind, message,
                    prompt_tokens, completion_tokens, model_seconds, cost, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                attempt.iteration, attempt.attempt, attempt.parentID?.rawValue, attempt.model, attempt.prompt,
                attempt.answer, attempt.outcome.rawValue, attempt.kind, attempt.message, attempt.promptTokens,
                attempt.completionTokens, attempt.modelSeconds, attempt.cost, attempt.createdAt.timeIntervalSince1970,
            ])
    }

    public func allPrograms() throws -> [Program] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM programs ORDER BY seq").map(Self.program) }
    }

    public func program(_ id: ProgramID) throws -> Program? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM programs WHERE id = ?", arguments: [id.rawValue]).map(Self.program) }
    }

    public func modelUsage() throws -> [ModelUsage] {
        try read { db in
            let improvements = Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(
                    db,
                    sql: """
                        SELECT child.model AS model, count(*) AS n FROM programs child JOIN programs parent ON child.parent_id = parent.id
                        WHERE child.origin = 'mutation' AND child.score IS NOT NULL AND parent.score IS NOT NULL
                          AND (CASE WHEN ? THEN child.score < parent.score ELSE child.score > parent.score END)
                        GROUP BY child.model
                        """, arguments: [try Self.minimizes(db)]
                ).map { (($0["model"] as String?) ?? "", $0["n"] as Int) })
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT model, count(*) AS answers, sum(outcome = 'accepted') AS accepted,
                        coalesce(sum(prompt_tokens), 0) AS prompt_tokens, coalesce(sum(completion_tokens), 0) AS completion_tokens,
                        coalesce(sum(model_seconds), 0) AS seconds, coalesce(sum(cost), 0) AS cost
                    FROM attempts WHERE outcome != 'model_error' GROUP BY model ORDER BY answers DESC, model
                    """
            ).map { row in
                let model: String = row["model"]
                return ModelUsage(
                    model: model, answers: row["answers"], accepted: row["accepted"], improvements: improvements[model] ?? 0,
                    promptTokens: row["prompt_tokens"], completionTokens: row["completion_tokens"], modelSeconds: row["seconds"],
                    cost: row["cost"])
            }
        }
    }

    /// Whether the run's goal is to minimize, from the evolve.yaml it stored.
    static func minimizes(_ db: Database) throws -> Bool {
        guard let yaml = try String.fetchOne(db, sql: "SELECT value FROM run_info WHERE key = 'evolve_yaml'"),
            let configuration = try? ProblemConfiguration.parse(yaml: yaml, file: "evolve.yaml")
        else { return false }
        return configuration.goal.direction == .minimize
    }

    public func totalCost() throws -> Double {
        try read { db in try Double.fetchOne(db, sql: "SELECT coalesce(sum(cost), 0) FROM attempts") ?? 0 }
    }

    public func attempts(iteration: Int) throws -> [AttemptRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM attempts WHERE iteration = ? ORDER BY id", arguments: [iteration]).map { row in
                AttemptRecord(
                    iteration: row["iteration"], attempt: row["attempt"],
                    parentID: (row["parent_id"] as String?).map(ProgramID.init(rawValue:)), model: row["model"],
                    prompt: row["prompt"], answer: row["answer"],
                    outcome: AttemptRecord.Outcome(rawValue: row["outcome"]) ?? .rejected, kind: row["kind"],
                    message: row["message"], promptTokens: row["prompt_tokens"], completionTokens: row["completion_tokens"],
                    modelSeconds: row["model_seconds"], cost: row["cost"], createdAt: Date(timeIntervalSince1970: row["created_at"]))
            }
        }
    }

    public func info(_ key: String) throws -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM run_info WHERE key = ?", arguments: [key]) }
    }

    public func setInfo(_ key: String, _ value: String) throws {
        do {
            try pool.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO run_info (key, value) VALUES (?, ?)", arguments: [key, value])
            }
        } catch {
            throw StoreError(.write, "cannot write to \(path): \(Self.describe(error))")
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch {
            throw StoreError(.read, "cannot read \(path): \(Self.describe(error))")
        }
    }

    static func program(_ row: Row) -> Program {
        func decode<T: Decodable>(_ column: String, _ type: T.Type) -> T? {
            (row[column] as String?).flatMap { try? JSONDecoder().decode(T.self, from: Data($0.utf8)) }
        }
        let result = EvaluationResult(
            status: EvaluationResult.Status(rawValue: row["status"]) ?? .sandboxError,
            score: row["score"], failureReason: row["failure_reason"],
            metrics: decode("metrics", [String: JSONValue].self) ?? [:],
            features: decode("evaluator_features", [String: Double].self) ?? [:],
            artifacts: decode("artifacts", [String: JSONValue].self) ?? [:],
            stdoutTail: row["stdout_tail"], stderrTail: row["stderr_tail"], duration: row["eval_seconds"], stage: row["stage"])
        var record: GenerationRecord?
        if let model = row["model"] as String? {
            record = GenerationRecord(
                model: model, prompt: row["prompt"] ?? "", answer: row["answer"] ?? "", diff: row["diff"] ?? "",
                attempts: row["attempts"] ?? 1, promptTokens: row["prompt_tokens"], completionTokens: row["completion_tokens"],
                modelSeconds: row["model_seconds"] ?? 0)
        }
        return Program(
            id: ProgramID(rawValue: row["id"]), parentID: (row["parent_id"] as String?).map(ProgramID.init(rawValue:)),
            origin: ProgramOrigin(rawValue: row["origin"]) ?? .mutation, iteration: row["iteration"], island: row["island"],
            generation: row["generation"], code: row["code"], result: result,
            features: decode("features", [String: Double].self) ?? [:], generationRecord: record,
            createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }
}

private func json<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
}
