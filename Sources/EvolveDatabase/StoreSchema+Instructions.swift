import GRDB

extension StoreSchema {
    /// v5: each child's mutation kind and instruction variant, and the archive of instruction
    /// variants (`search.mutations`, `search.meta_prompt`). Older rows keep NULL in the new columns.
    static func mutationKindsAndInstructions(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE programs ADD COLUMN mutation_kind TEXT;
                ALTER TABLE programs ADD COLUMN instruction_id INTEGER;
                CREATE TABLE instructions (
                    id INTEGER PRIMARY KEY,
                    text TEXT NOT NULL,
                    status TEXT NOT NULL,
                    pulls INTEGER NOT NULL DEFAULT 0,
                    wins INTEGER NOT NULL DEFAULT 0,
                    proposed_after INTEGER,
                    answer TEXT,
                    message TEXT,
                    created_at REAL NOT NULL
                );
                """)
    }
}
