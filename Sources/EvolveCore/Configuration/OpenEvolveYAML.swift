import Foundation
import Yams

/// Reads an OpenEvolve `config.yaml` leniently, as OpenEvolve does (unknown keys are no error),
/// while remembering which keys were read, so that the rest can be named in one warning.
struct OpenEvolveYAML {
    let root: Node
    let file: String
    private(set) var used: Set<String> = []

    init(text: String, file: String) throws(ConfigurationError) {
        self.file = file
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigurationError.syntax(error, file: file)
        } catch {
            throw ConfigurationError(file: file, line: nil, key: nil, message: "\(error)")
        }
        guard let node else {
            root = Node.mapping(Node.Mapping([]))
            return
        }
        guard node.mapping != nil else {
            throw ConfigurationError(file: file, line: node.mark?.line, key: nil, message: "the file must be a mapping of keys to values")
        }
        root = node
    }

    /// The value at a dotted path (`llm.models`, `llm.models.0.name`), nil when absent or null;
    /// marks the key as read.
    mutating func node(_ path: String) -> Node? {
        used.insert(path)
        var node: Node? = root
        for name in path.split(separator: ".") {
            if let index = Int(name), let sequence = node?.sequence {
                node = index < sequence.count ? sequence[index] : nil
            } else {
                node = node?.mapping?[String(name)]
            }
        }
        guard let node, node.null == nil else { return nil }
        return node
    }

    func error(_ path: String, _ message: String) -> ConfigurationError {
        ConfigurationError(file: file, line: ConfigurationError.line(of: path.split(separator: ".").map(String.init), in: root), key: path, message: message)
    }

    mutating func double(_ path: String) throws(ConfigurationError) -> Double? {
        guard let node = node(path) else { return nil }
        guard let value = node.float, value.isFinite else { throw error(path, "expected a number") }
        return value
    }

    mutating func int(_ path: String) throws(ConfigurationError) -> Int? {
        guard let node = node(path) else { return nil }
        guard let value = node.int ?? node.float.flatMap({ $0 == $0.rounded() ? Int(exactly: $0) : nil }) else {
            throw error(path, "expected a whole number")
        }
        return value
    }

    mutating func bool(_ path: String) throws(ConfigurationError) -> Bool? {
        guard let node = node(path) else { return nil }
        guard let value = node.bool else { throw error(path, "expected true or false") }
        return value
    }

    mutating func string(_ path: String) throws(ConfigurationError) -> String? {
        guard let node = node(path) else { return nil }
        guard node.scalar != nil, let value = node.string else { throw error(path, "expected a string") }
        return value
    }

    mutating func list(_ path: String) throws(ConfigurationError) -> [Node]? {
        guard let node = node(path) else { return nil }
        guard let sequence = node.sequence else { throw error(path, "expected a list") }
        return Array(sequence)
    }

    /// The keys present in the file that were never read, as dotted paths: keys of OpenEvolve's
    /// sections one level down, other keys (and unknown sections) whole.
    func unread(sections: Set<String>) -> [String] {
        var keys: [String] = []
        for (key, value) in root.mapping ?? Node.Mapping([]) {
            guard let name = key.string, !used.contains(name) else { continue }
            if sections.contains(name), let mapping = value.mapping {
                keys += mapping.compactMap { $0.key.string.map { name + "." + $0 } }.filter { !used.contains($0) }
            } else {
                keys.append(name)
            }
        }
        return keys
    }
}
