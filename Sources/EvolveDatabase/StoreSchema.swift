import GRDB

/// The run database's tables. Migrations are applied in order and never change once released:
/// a new column or table is a new migration with a new name, so that every older run still opens.
enum StoreSchema {
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
        migrator.registerMigration("v4 estimated tokens") { db in
            // 1: the token counts are estimated from the text's length; 0: counted; NULL: no counts (or an older run).
            try db.execute(sql: "ALTER TABLE attempts ADD COLUMN tokens_estimated INTEGER")
        }
        migrator.registerMigration("v5 mutation kinds and instructions", migrate: mutationKindsAndInstructions)
        migrator.registerMigration("v6 verification") { db in
            // The honest verifiers' findings on a would-be best, as JSON; NULL for every other program.
            try db.execute(sql: "ALTER TABLE programs ADD COLUMN verification TEXT")
        }
        migrator.registerMigration("v7 timing") { db in
            // When a child passed each stage of the pipeline, as JSON; NULL for older programs.
            try db.execute(sql: "ALTER TABLE programs ADD COLUMN timing TEXT")
        }
        migrator.registerMigration("v8 journal") { db in
            // Children whose answer arrived, waiting for evaluation: the commit of their iteration removes them.
            try db.execute(
                sql: """
                    CREATE TABLE journal (
                        iteration INTEGER PRIMARY KEY,
                        parent_id TEXT NOT NULL,
                        island INTEGER NOT NULL,
                        code TEXT NOT NULL,
                        generation TEXT NOT NULL,
                        attempts TEXT NOT NULL,
                        cost REAL NOT NULL,
                        timing TEXT,
                        created_at REAL NOT NULL
                    )
                    """)
        }
        migrator.registerMigration("v9 model gateway") { db in
            // What the evaluator asked of the model through the gateway (`evaluator.model`), as
            // JSON: calls, tokens, cost and refused requests; NULL when the gateway was off.
            try db.execute(sql: "ALTER TABLE programs ADD COLUMN model_gateway TEXT")
        }
        migrator.registerMigration("v10 blobs") { db in
            // The files of multi-file programs, each text once under its SHA-256 (see StoredTree).
            try db.execute(sql: "CREATE TABLE blobs (hash TEXT PRIMARY KEY, text TEXT NOT NULL) WITHOUT ROWID")
        }
        return migrator
    }
}
