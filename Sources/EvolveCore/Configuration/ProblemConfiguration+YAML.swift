import Foundation
import Yams

extension ProblemConfiguration {
    /// evolve.yaml text holding the keys whose values differ from Evolve's defaults, so that
    /// loading it gives this configuration back.
    public func yamlText() throws -> String {
        let encoder = YAMLEncoder()
        guard let mine = try Yams.compose(yaml: encoder.encode(self)),
            let defaults = try Yams.compose(yaml: encoder.encode(ProblemConfiguration(program: program)))
        else { return "" }
        guard let kept = Self.differences(mine, from: defaults) else { return "" }
        return try Yams.serialize(node: kept, width: 100, sortKeys: false)
    }

    /// `node` without the mapping entries that equal those of `base`; nil when nothing differs.
    static func differences(_ node: Node, from base: Node?) -> Node? {
        guard let base else { return node }
        if node == base { return nil }
        guard let mapping = node.mapping, let baseMapping = base.mapping else { return node }
        let pairs = mapping.compactMap { key, value in differences(value, from: baseMapping[key]).map { (key, $0) } }
        return pairs.isEmpty ? nil : Node.mapping(Node.Mapping(pairs))
    }
}
