import EvolveCore
import Foundation
import GRDB

extension SQLiteProgramStore {
    public func journal(_ child: JournaledChild) async throws {
        let row = try JournalRow(child)
        try await write("the journaled child of iteration \(child.iteration)", hint: "check free disk space") { db in try row.upsert(db) }
    }

    public func journaledChildren() async throws -> [JournaledChild] {
        let rows = try await read { db in try JournalRow.order(Column("iteration")).fetchAll(db) }
        return try rows.map { row in
            do { return try row.child } catch {
                throw StoreError(.read, "cannot read the journaled child of iteration \(row.iteration) in \(path): \(error)")
            }
        }
    }

    /// Removes the journaled children of the iterations a commit finishes (inside its transaction).
    static func removeJournaled(_ iterations: some Sequence<Int>, _ db: Database) throws {
        for iteration in Set(iterations) { _ = try JournalRow.deleteOne(db, key: iteration) }
    }
}

/// A row of `journal`: a child waiting for its evaluation and commit. The generation record and
/// the attempts are JSON (the attempts as the rows they become), so that `sqlite3` shows them.
struct JournalRow: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "journal"

    var iteration: Int
    var parentID: String
    var island: Int
    var code: String
    var generation: String
    var attempts: String
    var cost: Double
    /// The generation's stage times as JSON.
    var timing: String?
    var createdAt: Double

    enum CodingKeys: String, CodingKey {
        case iteration, island, code, generation, attempts, cost, timing
        case parentID = "parent_id"
        case createdAt = "created_at"
    }

    init(_ child: JournaledChild) throws {
        iteration = child.iteration
        parentID = child.parentID.rawValue
        island = child.island
        code = child.code
        generation = String(decoding: try JSONEncoder().encode(child.record), as: UTF8.self)
        attempts = String(decoding: try JSONEncoder().encode(child.attempts.map(AttemptRow.init)), as: UTF8.self)
        cost = child.cost
        timing = try child.timing.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        createdAt = Date().timeIntervalSince1970
    }

    var child: JournaledChild {
        get throws {
            JournaledChild(
                iteration: iteration, parentID: ProgramID(parentID), island: island, code: code,
                record: try JSONDecoder().decode(GenerationRecord.self, from: Data(generation.utf8)),
                attempts: try JSONDecoder().decode([AttemptRow].self, from: Data(attempts.utf8)).map(\.record), cost: cost,
                timing: try timing.map { try JSONDecoder().decode(ProgramTiming.self, from: Data($0.utf8)) })
        }
    }
}
