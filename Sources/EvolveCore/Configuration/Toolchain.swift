import Foundation

/// A toolchain installed outside /usr (rustup's ~/.cargo and ~/.rustup, a conda prefix, a Node
/// version manager's folder), bound read-only into the sandbox at the same path (`sandbox.toolchains`).
/// Its `bin/` comes first on the evaluator's PATH, and `env` is set (say `RUSTUP_HOME`, which
/// rustup's commands look for under a HOME the sandbox does not have).
///
/// ```yaml
/// sandbox:
///   toolchains:
///     - ~/.cargo                                   # a path alone
///     - {path: ~/.rustup, env: {RUSTUP_HOME: ~/.rustup}}
/// ```
public struct Toolchain: Sendable, Hashable, Codable {
    /// An absolute folder (a leading `~` is the home folder).
    public var path: String
    public var env: [String: String]

    public init(path: String, env: [String: String] = [:]) {
        self.path = path
        self.env = env
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case path, env }

    public init(from decoder: any Decoder) throws {
        if let path = try? decoder.singleValueContainer().decode(String.self) {
            self.init(path: path)
        } else {
            let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
            self.init(path: try c.decode(String.self, forKey: .path), env: try c.value(.env, default: [:]))
        }
        let expanded = Self.expand(path)
        guard expanded.hasPrefix("/") else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "a toolchain path must be absolute (or start with ~/): \(path)"))
        }
        guard !["/", "/usr", "/etc", "/proc", "/dev", "/sys", "/tmp"].contains(expanded.hasSuffix("/") ? String(expanded.dropLast()) : expanded) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "\(path) is not a toolchain folder the sandbox can bind (name the toolchain's own folder)"))
        }
    }

    /// The path with `~` expanded: where it is bound and what `env` values may name.
    public var resolvedPath: String { Self.expand(path) }
    public var binDirectory: String { resolvedPath + "/bin" }
    public var resolvedEnv: [String: String] { env.mapValues(Self.expand) }

    static func expand(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        return NSHomeDirectory() + path.dropFirst()
    }
}

extension [Toolchain] {
    /// PATH with the toolchains' `bin/` folders (those that exist) first, in order.
    public func searchPath(before rest: String) -> String {
        let bins = map(\.binDirectory).filter { FileManager.default.fileExists(atPath: $0) }
        return (bins + [rest]).joined(separator: ":")
    }

    /// Every toolchain's variables (a later one wins).
    public var variables: [String: String] {
        reduce(into: [:]) { all, toolchain in all.merge(toolchain.resolvedEnv) { _, new in new } }
    }
}
