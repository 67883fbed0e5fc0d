import GRDB

extension SQLiteProgramStore: InstructionStore {
    public func instructions() async throws -> [InstructionVariant] {
        try await read { db in
            // A run file older than v5, opened read-only, has no such table.
            guard try db.tableExists(InstructionRow.databaseTableName) else { return [] }
            return try InstructionRow.order(Column("id")).fetchAll(db).map(\.variant)
        }
    }

    public func saveInstruction(_ variant: InstructionVariant) async throws {
        let row = InstructionRow(variant)
        try await write("instruction variant \(variant.id)") { db in try row.upsert(db) }
    }

    public func creditInstruction(id: Int, won: Bool) async throws {
        try await write("the counts of instruction variant \(id)") { db in
            try db.execute(sql: "UPDATE instructions SET pulls = pulls + 1, wins = wins + ? WHERE id = ?", arguments: [won ? 1 : 0, id])
        }
    }
}
