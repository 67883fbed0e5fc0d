import EvolveCore
import Foundation
import GRDB

/// A run's store: one SQLite file (WAL mode) that `sqlite3` can open while the run goes on.
///
/// Tables: `programs` (one row per evaluated program or migrant, with code, scores, metrics,
/// features, artifacts, output tails, prompt, answer, diff and timings; `seq` is the commit
/// order), `attempts` (every model call with its outcome), `model_faults` (failed requests),
/// `journal` (children whose answer arrived, not yet committed; see `JournaledChild`) and
/// `run_info` (key/value facts, see `RunInfo`). Every call is one transaction on GRDB's pool:
/// reads run beside the writer, and writers (threads or processes) take turns.
public final class SQLiteProgramStore: ProgramStore {
    public let path: String
    private let pool: DatabasePool
    /// A multi-file run's starting tree, once read (see StoredTree).
    private let startTree = StartTreeCache()

    /// Opens (and, for a writer, creates and migrates) the run database at `path`.
    ///
    /// A run writes. Everything else that looks at a run — `evolve best`, a live view, a test
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
            if !readOnly { try StoreSchema.migrator.migrate(pool) }
        } catch {
            throw StoreError(.open, "cannot open the run database \(path): \(Self.describe(error)); check the path, free disk space and permissions")
        }
    }

    public func commit(program: Program?, attempts: [AttemptRecord]) async throws {
        let what = program.map { "program \($0.id)" } ?? "iteration \(attempts.first?.iteration ?? 0)"
        try await write(what, hint: "check free disk space") { db in
            if let program { try ProgramRow(storing: program, db: db, start: self.startTree).insert(db) }
            for attempt in attempts { try AttemptRow(attempt).insert(db) }
            try Self.removeJournaled(attempts.map(\.iteration), db)
        }
    }

    public func recordFault(model: String, kind: String, message: String, willRetry: Bool) async throws {
        let row = FaultRow(id: nil, model: model, kind: kind, message: message, willRetry: willRetry, createdAt: Date().timeIntervalSince1970)
        try await write("a model fault") { db in try row.insert(db) }
    }

    public func faultCounts() async throws -> [String: [String: Int]] {
        try await read { db in
            let rows = try FaultCountRow.fetchAll(db, sql: "SELECT model, kind, count(*) AS count FROM model_faults GROUP BY model, kind")
            return rows.reduce(into: [:]) { counts, row in counts[row.model, default: [:]][row.kind] = row.count }
        }
    }

    public func finishedIterations() async throws -> Set<Int> {
        try await read { db in Set(try AttemptRow.select(Column("iteration"), as: Int.self).distinct().fetchAll(db)) }
    }

    public func allPrograms() async throws -> [Program] {
        try await read { db in try ProgramRow.programs(ProgramRow.order(Column("seq")).fetchAll(db), db: db, start: self.startTree) }
    }

    public func programs(after cursor: ProgramCursor) async throws -> (programs: [Program], cursor: ProgramCursor) {
        let (programs, last) = try await read { db in
            let rows = try ProgramRow.filter(Column("seq") > cursor.sequence).order(Column("seq")).fetchAll(db)
            return (try ProgramRow.programs(rows, db: db, start: self.startTree), rows.last?.seq)
        }
        return (programs, last.map(ProgramCursor.init(sequence:)) ?? cursor)
    }

    public func program(_ id: ProgramID) async throws -> Program? {
        try await read { db in try ProgramRow.programs(ProgramRow.filter(Column("id") == id.rawValue).fetchAll(db), db: db, start: self.startTree).first }
    }

    public func attempts(iteration: Int) async throws -> [AttemptRecord] {
        try await read { db in
            try AttemptRow.filter(Column("iteration") == iteration).order(Column("id")).fetchAll(db).map(\.record)
        }
    }

    public func totalCost() async throws -> Double {
        try await read { db in try Double.fetchOne(db, sql: "SELECT coalesce(sum(cost), 0) FROM attempts") ?? 0 }
    }

    public func modelUsage() async throws -> [ModelUsage] {
        try await read { db in try Self.modelUsage(db) }
    }

    public func runInfo() async throws -> RunInfo {
        try await read { db in try Self.runInfo(db) }
    }

    public func updateRunInfo(_ change: @escaping @Sendable (inout RunInfo) -> Void) async throws {
        try await write("the run's facts") { db in
            let old = try Self.runInfo(db)
            var info = old
            change(&info)
            let before = old.values
            let after = info.values
            for (key, value) in after where before[key] != value { try RunInfoRow(key: key, value: value).upsert(db) }
            for key in before.keys where after[key] == nil { _ = try RunInfoRow.deleteOne(db, key: key) }
        }
    }

    static func runInfo(_ db: Database) throws -> RunInfo {
        let rows = try RunInfoRow.fetchAll(db)
        return RunInfo(values: Dictionary(rows.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last }))
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw StoreError(.read, "cannot read \(path): \(Self.describe(error))")
        }
    }

    /// Runs `body` in one write transaction; `what` names what was written in an error.
    func write(_ what: String, hint: String? = nil, _ body: @escaping @Sendable (Database) throws -> Void) async throws {
        do {
            try await pool.write(body)
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw StoreError(.duplicate, Self.duplicateMessage(what, path: path, error: error))
        } catch {
            throw StoreError(.write, "cannot write \(what) to \(path): \(Self.describe(error))" + (hint.map { "; \($0)" } ?? ""))
        }
    }

    static func duplicateMessage(_ what: String, path: String, error: DatabaseError) -> String {
        let detail = error.message ?? "UNIQUE constraint failed"
        if detail.contains("programs.id") {
            return "refused \(what): \(path) already holds a program with that id (two writers minted the same id; mint ids with ProgramID.unique())"
        }
        if detail.contains("programs.iteration") {
            return "refused \(what): \(path) already holds a child for that iteration (\(detail))"
        }
        return "refused \(what): \(path) already holds it (\(detail))"
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }
}
