import Foundation

/// A directory of recorded model answers, content-addressed: `KEY.json` holds the request whose
/// `RecordedRequest.key` is KEY and the answers given to it, in order (a run that asks the same
/// thing twice keeps both). Files are written whole and renamed into place, so a killed run
/// leaves every file complete.
public actor AnswerStore {
    public nonisolated let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    nonisolated func file(_ key: String) -> URL {
        directory.appendingPathComponent(key + ".json")
    }

    /// The exchange recorded under `key`, or nil if there is none.
    public func exchange(_ key: String) throws -> RecordedExchange? {
        let url = file(key)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            return try JSONDecoder().decode(RecordedExchange.self, from: Data(contentsOf: url))
        } catch {
            throw LLMError(.notRecorded, "the recorded answer file \(url.path) is unreadable: \(error)")
        }
    }

    /// Adds `answer` after the answers already recorded for `request`.
    public func append(_ answer: RecordedAnswer, for request: RecordedRequest) throws {
        let key = request.key
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            var exchange = try self.exchange(key) ?? RecordedExchange(request: request)
            exchange.answers.append(answer)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(exchange).write(to: file(key), options: .atomic)
        } catch {
            throw LLMError(.recordingFailed, "cannot record the model's answer in \(directory.path): \(error)")
        }
    }

    /// Every recorded exchange, for finding the one closest to a request that was not recorded.
    public func all() -> [RecordedExchange] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            let key = String(name.dropLast(5))
            return try? exchange(key)
        }
    }

    /// Whether the directory exists and holds at least one recorded answer.
    public var isEmpty: Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return !names.contains { $0.hasSuffix(".json") }
    }
}
