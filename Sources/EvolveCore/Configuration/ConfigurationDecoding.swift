import Foundation

/// A coding key for any string, used to find keys a configuration struct does not know.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// Raised for an unknown key; carries the keys that would have been accepted.
struct UnknownKeyContext: Error {
    var key: String
    var known: [String]
}

extension Decoder {
    /// A keyed container that refuses keys `Key` does not list.
    func strictContainer<Key: CodingKey & CaseIterable>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        try strictContainer(keyedBy: type, alsoAccepting: Key.self)
    }

    /// A keyed container that refuses keys neither `Key` nor `Alias` (old spellings) lists.
    func strictContainer<Key: CodingKey & CaseIterable, Alias: CodingKey & CaseIterable>(
        keyedBy type: Key.Type, alsoAccepting aliases: Alias.Type
    ) throws -> KeyedDecodingContainer<Key> {
        let all = try container(keyedBy: AnyCodingKey.self)
        let known = Key.allCases.map(\.stringValue)
        let accepted = Set(known + Alias.allCases.map(\.stringValue))
        for key in all.allKeys where !accepted.contains(key.stringValue) {
            let suggestion = closestMatch(to: key.stringValue, among: known).map { " (did you mean `\($0)`?)" } ?? ""
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: codingPath + [key],
                    debugDescription: "unknown key\(suggestion); known keys here: \(known.joined(separator: ", "))"
                )
            )
        }
        return try container(keyedBy: Key.self)
    }
}

extension KeyedDecodingContainer {
    /// The value at `key`, or `fallback` when the key is absent or null.
    func value<T: Decodable>(_ key: Key, default fallback: @autoclosure () -> T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback()
    }

    /// Throws a decoding error pointing at `key` unless `valid` holds.
    func require(_ valid: Bool, _ key: Key, _ message: String) throws {
        if !valid {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: message)
        }
    }
}

/// The closest of `candidates` to `word` by edit distance, if it is close enough to be a typo.
func closestMatch(to word: String, among candidates: [String]) -> String? {
    let scored = candidates.map { ($0, LineSimilarity.editDistance(Array(word.lowercased().utf8), Array($0.lowercased().utf8))) }
    guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, word.count / 3) else { return nil }
    return best.0
}

/// A command given either as one shell string (run with `/bin/sh -c`) or as a list of arguments.
public enum CommandLineSpec: Sendable, Hashable, Codable, CustomStringConvertible {
    case shell(String)
    case arguments([String])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "the command is empty")
            }
            self = .shell(text)
        } else if let list = try? container.decode([String].self) {
            guard !list.isEmpty else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "the command list is empty")
            }
            self = .arguments(list)
        } else {
            throw DecodingError.typeMismatch(
                String.self,
                .init(codingPath: decoder.codingPath, debugDescription: "expected a command string or a list of strings")
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .shell(let text): try container.encode(text)
        case .arguments(let list): try container.encode(list)
        }
    }

    public var isShell: Bool {
        if case .shell = self { return true }
        return false
    }

    /// The words of the command, for checks such as "does the evaluator script exist".
    public var words: [String] {
        switch self {
        case .shell(let text): return text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        case .arguments(let list): return list
        }
    }

    public var description: String {
        switch self {
        case .shell(let text): return text
        case .arguments(let list): return list.joined(separator: " ")
        }
    }
}
