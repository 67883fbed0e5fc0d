import Foundation
import Yams

extension ExperimentSpec {
    /// The configuration of one run: the problem's evolve.yaml, then the spec's shared
    /// `overrides`, then the variant's, each merged key by key (a nested mapping merges, any other
    /// value replaces), then the seed as `search.seed` and `llm.seed`. An override the
    /// configuration refuses is reported at its line in the spec.
    public func configuration(problem directory: URL, variant: Int, seed: UInt64) throws(ConfigurationError) -> ProblemConfiguration {
        let problemFile = directory.appendingPathComponent(Problem.configurationFileName)
        guard let problemText = try? String(contentsOf: problemFile, encoding: .utf8) else {
            throw ConfigurationError(file: problemFile.path, line: nil, key: nil, message: "cannot read the problem's configuration")
        }
        guard let specRoot = try? Yams.compose(yaml: text) else {
            throw ConfigurationError(file: file.path, line: nil, key: nil, message: "cannot read the experiment spec")
        }
        var merged = (try? Yams.compose(yaml: problemText)).flatMap { $0 } ?? Self.mapping([])
        let layers: [[String]] = [["overrides"], ["variants", String(variant), "overrides"]]
        for path in layers {
            if let layer = Self.node(at: path, in: specRoot) { merged = Self.merge(layer, over: merged) }
        }
        let seeds = Self.mapping([
            ("search", Self.mapping([("seed", Node(String(seed)))])),
            ("llm", Self.mapping([("seed", Node(String(seed % UInt64(Int32.max))))])),
        ])
        merged = Self.merge(seeds, over: merged)
        do {
            return try YAMLDecoder().decode(ProblemConfiguration.self, from: merged)
        } catch let error as DecodingError {
            let located = ConfigurationError.decoding(error, file: file.path, root: merged)
            let path = located.key?.split(separator: ".").map(String.init) ?? []
            for layer in layers.reversed() {
                guard let overrides = Self.node(at: layer, in: specRoot), Self.node(at: path, in: overrides) != nil else { continue }
                throw ConfigurationError(
                    file: file.path, line: ConfigurationError.line(of: layer + path, in: specRoot),
                    key: (layer + path).joined(separator: "."), message: located.message)
            }
            throw ConfigurationError(
                file: problemFile.path, line: ConfigurationError.line(of: path, in: problemText), key: located.key, message: located.message)
        } catch {
            throw ConfigurationError(file: file.path, line: variants[variant].line, key: nil, message: "\(error)")
        }
    }

    static func mapping(_ pairs: [(String, Node)]) -> Node {
        Node.mapping(Node.Mapping(pairs.map { (Node($0.0), $0.1) }))
    }

    /// The node at a path of keys and list indices, if there is one (an empty path is the node itself).
    static func node(at path: [String], in root: Node) -> Node? {
        var node = root
        for name in path {
            if let mapping = node.mapping, let value = mapping.first(where: { $0.key.string == name })?.value {
                node = value
            } else if let sequence = node.sequence, let index = Int(name), sequence.indices.contains(index) {
                node = sequence[index]
            } else {
                return nil
            }
        }
        return node
    }

    /// `top` over `base`: mappings merge key by key, anything else replaces.
    static func merge(_ top: Node, over base: Node) -> Node {
        guard let topMapping = top.mapping, let baseMapping = base.mapping else { return top }
        var pairs: [(Node, Node)] = baseMapping.map { ($0.key, $0.value) }
        for (key, value) in topMapping {
            if let index = pairs.firstIndex(where: { $0.0.string == key.string }) {
                pairs[index] = (pairs[index].0, merge(value, over: pairs[index].1))
            } else {
                pairs.append((key, value))
            }
        }
        return Node.mapping(Node.Mapping(pairs))
    }
}
