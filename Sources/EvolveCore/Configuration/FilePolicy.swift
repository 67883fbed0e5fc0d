/// `files`: which files of a multi-file program (`program:` names a folder) the model may change
/// or create. Paths are relative to the program's folder; globs use `*` (within one path part),
/// `?` and `**` (any number of parts). A file may change when it matches `mutable` and no
/// `immutable` glob; where it has EVOLVE-BLOCK markers, only its marked regions. A new file may
/// appear only where it matches `create` and no `immutable` glob.
public struct FilePolicy: Sendable, Hashable, Codable {
    public var mutable: [String]
    public var immutable: [String]
    public var create: [String]

    public init(mutable: [String] = ["**"], immutable: [String] = [], create: [String] = []) {
        self.mutable = mutable
        self.immutable = immutable
        self.create = create
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case mutable, immutable, create }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        let d = Self()
        self.init(
            mutable: try c.value(.mutable, default: d.mutable), immutable: try c.value(.immutable, default: d.immutable),
            create: try c.value(.create, default: d.create))
        for (key, globs) in [(CodingKeys.mutable, mutable), (.immutable, immutable), (.create, create)] {
            try c.require(
                globs.allSatisfy { !$0.isEmpty && !$0.hasPrefix("/") && !$0.split(separator: "/").contains("..") }, key,
                "globs are relative to the program's folder: not empty, not absolute, no `..`")
        }
    }

    /// Whether the model may change the existing file at `path`.
    public func allowsChange(_ path: String) -> Bool {
        mutable.contains { Glob.matches($0, path) } && !immutable.contains { Glob.matches($0, path) }
    }

    /// Whether the model may create a file at `path`.
    public func allowsCreation(_ path: String) -> Bool {
        create.contains { Glob.matches($0, path) } && !immutable.contains { Glob.matches($0, path) }
    }
}

/// Path globs: `*` and `?` within one part, `**` for any number of parts.
public enum Glob {
    public static func matches(_ pattern: String, _ path: String) -> Bool {
        matchParts(pattern.split(separator: "/")[...], path.split(separator: "/")[...])
    }

    private static func matchParts(_ pattern: ArraySlice<Substring>, _ path: ArraySlice<Substring>) -> Bool {
        guard let first = pattern.first else { return path.isEmpty }
        if first == "**" {
            let rest = pattern.dropFirst()
            return (path.startIndex...path.endIndex).contains { matchParts(rest, path[$0...]) }
        }
        guard let part = path.first, matchPart(Array(first)[...], Array(part)[...]) else { return false }
        return matchParts(pattern.dropFirst(), path.dropFirst())
    }

    private static func matchPart(_ pattern: ArraySlice<Character>, _ text: ArraySlice<Character>) -> Bool {
        guard let first = pattern.first else { return text.isEmpty }
        switch first {
        case "*":
            return (text.startIndex...text.endIndex).contains { matchPart(pattern.dropFirst(), text[$0...]) }
        case "?":
            return !text.isEmpty && matchPart(pattern.dropFirst(), text.dropFirst())
        default:
            return text.first == first && matchPart(pattern.dropFirst(), text.dropFirst())
        }
    }
}
