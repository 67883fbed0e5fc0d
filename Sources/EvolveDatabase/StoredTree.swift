import EvolveCore
import Foundation
import GRDB
import Synchronization

/// How the store keeps multi-file programs, so that a thousand candidates of a large project cost
/// about one copy of it plus their changes:
/// - the run's starting tree: a manifest of every file (`%evolve-manifest 1`, a hash and a path per line);
/// - every other tree: only the files where it differs from the start (`%evolve-manifest 2`;
///   `- path` for a file it lacks);
/// - `blobs` holds each distinct file text once under a hash of it; a text that shares lines
///   with the start's file at that path is kept as a line delta from it (`%delta HASH`).
/// Single-file programs are stored as their text, as before.
enum StoredTree {
    static let full = "%evolve-manifest 1"
    static let relative = "%evolve-manifest 2"

    /// The text to store in a program row for `code`, its files written to `blobs` first.
    static func storable(_ code: String, db: Database, start cache: StartTreeCache) throws -> String {
        guard let tree = ProgramTree(decoding: code) else { return code }
        var reader = TreeReader(start: cache)
        let start = try reader.start(db)
        var manifest = start == nil ? full : relative
        for path in tree.paths where start?.files[path] != tree.files[path] {
            let text = tree.files[path]!
            let hash = Self.hash(text)
            if try !blobExists(hash, db) {
                let base = start?.files[path]
                let stored = base.flatMap { LineDelta.encode(text, from: $0, baseHash: Self.hash($0)) } ?? text
                try db.execute(sql: "INSERT INTO blobs (hash, text) VALUES (?, ?)", arguments: [hash, stored])
            }
            manifest += "\n\(hash) \(path)"
        }
        for path in start?.paths ?? [] where tree.files[path] == nil { manifest += "\n- \(path)" }
        return manifest
    }

    /// 80 bits of SHA-256: enough to tell apart the file texts of one run.
    static func hash(_ text: String) -> String {
        String(SHA256Digest.hex(Data(text.utf8)).prefix(20))
    }

    private static func blobExists(_ hash: String, _ db: Database) throws -> Bool {
        try Int.fetchOne(db, sql: "SELECT 1 FROM blobs WHERE hash = ?", arguments: [hash]) != nil
    }
}

/// The run's starting tree, read from the database once per store: once stored it never changes,
/// and every commit and read of a tree needs it.
final class StartTreeCache: Sendable {
    private let tree = Mutex<ProgramTree?>(nil)

    var known: ProgramTree? { tree.withLock { $0 } }

    func remember(_ start: ProgramTree) {
        tree.withLock { $0 = start }
    }
}

/// Reads stored trees back, keeping the start and the blobs already read (trees of a run share most files).
struct TreeReader {
    private var blobs: [String: String] = [:]
    private var startTree: ProgramTree??
    private let cache: StartTreeCache

    init(start cache: StartTreeCache) {
        self.cache = cache
    }

    /// The program's code for a row's stored text.
    mutating func code(from stored: String, db: Database) throws -> String {
        let isFull = stored.hasPrefix(StoredTree.full + "\n")
        // A tree equal to the start (a migrant's copy) is the bare header.
        guard isFull || stored == StoredTree.relative || stored.hasPrefix(StoredTree.relative + "\n") else { return stored }
        var files = isFull ? [:] : try start(db)?.files ?? [:]
        for line in stored.split(separator: "\n").dropFirst() {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            if parts[0] == "-" {
                files[parts[1]] = nil
            } else {
                files[parts[1]] = try blob(parts[0], path: parts[1], db: db)
            }
        }
        return ProgramTree(files: files).encoded
    }

    /// The run's starting tree, when its start is a stored tree.
    mutating func start(_ db: Database) throws -> ProgramTree? {
        if let known = cache.known { return known }
        if let startTree { return startTree }
        let stored = try String.fetchOne(db, sql: "SELECT code FROM programs WHERE origin = 'initial' ORDER BY seq LIMIT 1")
        let tree = try stored.flatMap { $0.hasPrefix(StoredTree.full + "\n") ? ProgramTree(decoding: try code(from: $0, db: db)) : nil }
        startTree = .some(tree)
        if let tree { cache.remember(tree) }
        return tree
    }

    private mutating func blob(_ hash: String, path: String, db: Database) throws -> String {
        if let text = blobs[hash] { return text }
        guard let stored = try String.fetchOne(db, sql: "SELECT text FROM blobs WHERE hash = ?", arguments: [hash]) else {
            throw StoreError(.read, "the stored file \(path) (\(hash)) is missing from the run database's blobs")
        }
        var text = stored
        if let (baseHash, delta) = LineDelta.parse(stored) {
            guard let applied = LineDelta.apply(delta, to: try blob(baseHash, path: path, db: db)) else {
                throw StoreError(.read, "the stored change of \(path) (\(hash)) does not apply to its base \(baseHash)")
            }
            text = applied
        }
        blobs[hash] = text
        return text
    }
}

extension ProgramRow {
    /// The row for `program`, its tree's files written to `blobs`.
    init(storing program: Program, db: Database, start: StartTreeCache) throws {
        self.init(program)
        code = try StoredTree.storable(program.code, db: db, start: start)
    }

    /// The programs of `rows`, their trees read back from `blobs`.
    static func programs(_ rows: [ProgramRow], db: Database, start: StartTreeCache) throws -> [Program] {
        var reader = TreeReader(start: start)
        return try rows.map { row in
            var program = row.program
            program.code = try reader.code(from: row.code, db: db)
            return program
        }
    }
}
