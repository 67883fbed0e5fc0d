import Foundation
import Yams

extension ProblemConfiguration {
    /// evolve.yaml text holding the keys whose values differ from Evolve's defaults, so that
    /// loading it gives this configuration back.
    public func yamlText() throws -> String {
        let encoder = YAMLEncoder()
        guard let mine = try Yams.compose(yaml: encoder.encode(self)),
            let defaults = try Yams.compose(yaml: encoder.encode(ProblemConfiguration(program: program))),
            let member = try Yams.compose(yaml: encoder.encode(EnsembleMemberConfiguration(model: "")))
        else { return "" }
        guard var kept = Self.differences(mine, from: defaults) else { return "" }
        // Ensemble members: only what differs from a member's defaults, and always the model.
        if let models = kept["llm"]?["models"]?.sequence {
            let trimmed = models.map { entry in
                Node.mapping(Node.Mapping((entry.mapping ?? [:]).filter { key, value in key.string == "model" || member.mapping?[key] != value }))
            }
            kept = Self.replacing(["llm", "models"], in: kept, with: Node.sequence(Node.Sequence(trimmed)))
        }
        return try Yams.serialize(node: Self.readable(kept), width: 100)
    }

    /// `node` without the mapping entries that equal those of `base`; nil when nothing differs.
    static func differences(_ node: Node, from base: Node?) -> Node? {
        guard let base else { return node }
        if node == base { return nil }
        guard let mapping = node.mapping, let baseMapping = base.mapping else { return node }
        let pairs = mapping.compactMap { key, value in differences(value, from: baseMapping[key]).map { (key, $0) } }
        return pairs.isEmpty ? nil : Node.mapping(Node.Mapping(pairs))
    }

    static func replacing(_ path: [String], in node: Node, with value: Node) -> Node {
        guard let first = path.first, let mapping = node.mapping else { return value }
        return Node.mapping(Node.Mapping(mapping.map { key, old in (key, key.string == first ? replacing(Array(path.dropFirst()), in: old, with: value) : old) }))
    }

    /// Numbers as people write them (0.5, not 5e-1) and text with line breaks as a literal block.
    static func readable(_ node: Node) -> Node {
        switch node {
        case .scalar(let scalar):
            if scalar.string.contains("e"), scalar.style == .any || scalar.style == .plain, let value = Double(scalar.string) {
                return Node(String(describing: value), scalar.tag, .plain)
            }
            if scalar.string.contains("\n") { return Node(scalar.string, scalar.tag, .literal) }
            return node
        case .mapping(let mapping):
            return Node.mapping(Node.Mapping(mapping.map { ($0.key, readable($0.value)) }))
        case .sequence(let sequence):
            return Node.sequence(Node.Sequence(sequence.map(readable)))
        case .alias:
            return node
        }
    }
}
