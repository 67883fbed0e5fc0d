import EvolveCore
import EvolveDatabase
import Foundation

/// A run's folder: `evolve.sqlite` (every program and model call), `events.jsonl` (the event log)
/// and `evolve.yaml` (the configuration the run started with). By default runs live in the
/// problem directory under `runs/`, named by their start time.
public struct RunDirectory: Sendable {
    public static let databaseName = "evolve.sqlite"
    public static let eventLogName = "events.jsonl"
    public static let runsFolder = "runs"

    public var url: URL
    public var databasePath: String { url.appendingPathComponent(Self.databaseName).path }
    public var eventLogPath: String { url.appendingPathComponent(Self.eventLogName).path }

    public init(url: URL) { self.url = url.standardizedFileURL }

    public var exists: Bool { FileManager.default.fileExists(atPath: databasePath) }

    /// The run's store: read-write for the process that holds the run's lock, read-only for
    /// everything that only looks (`evolve show`, `best`, `report`, the page).
    public func openStore(readOnly: Bool = false) throws -> SQLiteProgramStore {
        try SQLiteProgramStore(path: databasePath, readOnly: readOnly)
    }

    /// A new run folder under `problem/runs/`.
    public static func new(for problem: URL, now: Date = Date()) -> RunDirectory {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        var url = problem.appendingPathComponent(runsFolder).appendingPathComponent(formatter.string(from: now))
        var suffix = 2
        while FileManager.default.fileExists(atPath: url.path) {
            url = problem.appendingPathComponent(runsFolder).appendingPathComponent(formatter.string(from: now) + "-\(suffix)")
            suffix += 1
        }
        return RunDirectory(url: url)
    }

    /// The most recently started run under `problem/runs/`, if any.
    public static func latest(in problem: URL) -> RunDirectory? {
        let runs = problem.appendingPathComponent(runsFolder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []
        return names.sorted().reversed().lazy
            .map { RunDirectory(url: runs.appendingPathComponent($0)) }
            .first { $0.exists }
    }

    /// A run folder given directly, or the latest run of a problem folder.
    public static func locate(_ path: String) -> RunDirectory? {
        let url = URL(fileURLWithPath: path)
        let direct = RunDirectory(url: url)
        if direct.exists { return direct }
        return latest(in: url)
    }

    public func create() throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw StoreError(.open, "cannot create the run folder \(url.path): \(error.localizedDescription)")
        }
    }
}

/// Appends events to `events.jsonl`, one JSON object a line: `{"time": …, "type": …, "data": {…}}`.
public final class EventLog: Sendable {
    private let handle: FileHandle

    public init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw StoreError(.open, "cannot open the event log \(path) for writing")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    public func write(_ event: EvolutionEvent) {
        if let line = encode(event.name, event.payload) { handle.write(line) }
    }

    private func encode(_ type: String, _ data: any Encodable) -> Data? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let time = ISO8601DateFormatter().string(from: Date())
        guard var data = try? encoder.encode(LogLine(time: time, type: type, data: data)) else { return nil }
        data.append(UInt8(ascii: "\n"))
        return data
    }

    deinit { try? handle.close() }
}

private struct LogLine: Encodable {
    var time: String
    var type: String
    var data: any Encodable

    enum CodingKeys: String, CodingKey { case time, type, data }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(time, forKey: .time)
        try container.encode(type, forKey: .type)
        try container.encode(data, forKey: .data)
    }
}
