import Foundation
import Yams

/// An experiment: problems × variants × seeds, each run under the same budget. Read from a YAML
/// file whose paths are relative to the file; unknown keys are errors naming the file and line.
///
/// ```yaml
/// problems: [../examples/knapsack]
/// variants:
///   - name: greedy
///     overrides: {search: {strategy: greedy}}
/// seeds: [1, 2, 3]
/// budget: {model_calls: 20}
/// ```
public struct ExperimentSpec: Sendable {
    public struct Variant: Sendable, Hashable {
        public var name: String
        /// Line of the variant in the spec.
        public var line: Int?
        /// A peer system run in this variant's place (`peer: openevolve`), with its own defaults.
        public var peer: Peer?
    }

    /// Another evolution system, run as its own command line on the same problem, model and budget.
    public enum Peer: String, Sendable, Hashable, Codable, CaseIterable {
        case openevolve, shinkaevolve

        /// The released package from PyPI that a peer arm runs, pinned.
        public var package: (name: String, version: String) {
            switch self {
            case .openevolve: ("openevolve", "0.4.0")
            case .shinkaevolve: ("shinka-evolve", "0.0.7")
            }
        }
    }

    /// One model for every run (command-line flags outrank it).
    public struct ModelChoice: Sendable, Hashable, Codable {
        public var provider: LLMConfiguration.Provider?
        public var model: String?
        public var url: String?

        public init(provider: LLMConfiguration.Provider? = nil, model: String? = nil, url: String? = nil) {
            self.provider = provider
            self.model = model
            self.url = url
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case provider, model, url }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
            self.init(
                provider: try c.decodeIfPresent(LLMConfiguration.Provider.self, forKey: .provider),
                model: try c.decodeIfPresent(String.self, forKey: .model), url: try c.decodeIfPresent(String.self, forKey: .url))
        }
    }

    public var file: URL
    /// The problem directories, absolute.
    public var problems: [URL]
    public var variants: [Variant]
    public var seeds: [UInt64]
    public var budget: RunBudget
    /// Runs at once (the command line's --jobs outranks it).
    public var concurrency: Int
    public var model: ModelChoice?
    /// The spec's text, kept to read each variant's overrides (and the shared ones) as YAML.
    let text: String

    /// The name of a problem: its directory's last component.
    public static func name(of problem: URL) -> String { problem.standardizedFileURL.lastPathComponent }

    /// Loads and checks the spec in `file`.
    public static func load(from file: URL) throws(ConfigurationError) -> ExperimentSpec {
        let file = file.standardizedFileURL
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw ConfigurationError(file: file.path, line: nil, key: nil, message: "cannot read the experiment spec")
        }
        return try parse(yaml: text, file: file)
    }

    /// Decodes spec text; every failure names the file, line and key.
    public static func parse(yaml text: String, file: URL) throws(ConfigurationError) -> ExperimentSpec {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text), node.mapping != nil else {
                throw ConfigurationError(file: file.path, line: nil, key: nil, message: "the spec must be a mapping of keys to values")
            }
            root = node
        } catch let error as YamlError {
            throw ConfigurationError.syntax(error, file: file.path)
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(file: file.path, line: nil, key: nil, message: "\(error)")
        }
        let decoded: SpecFile
        do {
            decoded = try YAMLDecoder().decode(SpecFile.self, from: root)
        } catch let error as DecodingError {
            throw ConfigurationError.decoding(error, file: file.path, root: root)
        } catch {
            throw ConfigurationError(file: file.path, line: nil, key: nil, message: "\(error)")
        }
        let base = file.deletingLastPathComponent()
        let problems = decoded.problems.map { path in
            (path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path)).standardizedFileURL
        }
        let variants = decoded.variants.enumerated().map { index, variant in
            Variant(name: variant.name, line: ConfigurationError.line(of: ["variants", String(index)], in: root), peer: variant.peer)
        }
        let spec = ExperimentSpec(
            file: file, problems: problems, variants: variants, seeds: decoded.seeds, budget: decoded.budget,
            concurrency: decoded.concurrency, model: decoded.model, text: text)
        try spec.checkNames(root: root)
        return spec
    }

    private func checkNames(root: Node) throws(ConfigurationError) {
        let names = problems.map(Self.name(of:))
        if let index = names.indices.first(where: { names[..<$0].contains(names[$0]) }) {
            throw ConfigurationError(
                file: file.path, line: ConfigurationError.line(of: ["problems", String(index)], in: root), key: "problems.\(index)",
                message: "two problems are named `\(names[index])`; runs are kept by the problem directory's name")
        }
        let variantNames = variants.map(\.name)
        for (index, name) in variantNames.enumerated() {
            let valid = !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) } && !name.hasPrefix(".")
            if !valid || variantNames[..<index].contains(name) {
                throw ConfigurationError(
                    file: file.path, line: ConfigurationError.line(of: ["variants", String(index), "name"], in: root),
                    key: "variants.\(index).name",
                    message: valid ? "the name `\(name)` is used twice" : "a name is letters, digits, '-', '_' and '.' (it names a folder)")
            }
        }
    }
}

/// The spec file's shape; each variant's `overrides` is read later, as YAML merged over a problem.
private struct SpecFile: Decodable {
    var problems: [String]
    var variants: [VariantEntry]
    var seeds: [UInt64]
    var budget: RunBudget
    var concurrency: Int
    var model: ExperimentSpec.ModelChoice?

    struct VariantEntry: Decodable {
        var name: String
        var peer: ExperimentSpec.Peer?
        enum CodingKeys: String, CodingKey, CaseIterable { case name, overrides, peer }
        init(from decoder: any Decoder) throws {
            let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            peer = try c.decodeIfPresent(ExperimentSpec.Peer.self, forKey: .peer)
            let overrides = try c.decodeIfPresent(AnyMapping.self, forKey: .overrides)
            try c.require(
                peer == nil || overrides == nil, .overrides,
                "a peer variant runs the peer's own defaults against the experiment's model: it takes no overrides")
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case problems, variants, seeds, budget, concurrency, model, overrides }

    init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        problems = try c.decode([String].self, forKey: .problems)
        variants = try c.value(.variants, default: [])
        seeds = try c.value(.seeds, default: [1])
        budget = try c.value(.budget, default: RunBudget())
        concurrency = try c.value(.concurrency, default: 1)
        model = try c.decodeIfPresent(ExperimentSpec.ModelChoice.self, forKey: .model)
        _ = try c.decodeIfPresent(AnyMapping.self, forKey: .overrides)
        try c.require(!problems.isEmpty, .problems, "name at least one problem directory")
        try c.require(!variants.isEmpty, .variants, "name at least one variant (a name and its evolve.yaml overrides)")
        try c.require(!seeds.isEmpty && Set(seeds).count == seeds.count, .seeds, "give at least one seed, each once")
        try c.require(concurrency >= 1, .concurrency, "concurrency must be at least 1")
        try c.require(!budget.isUnlimited, .budget, "set at least one limit: model_calls, tokens, cost, evaluator_seconds or wall_clock_seconds")
    }
}

/// Accepts any mapping (overrides are checked when merged over a problem's evolve.yaml).
private struct AnyMapping: Decodable {
    init(from decoder: any Decoder) throws {
        _ = try decoder.container(keyedBy: AnyCodingKey.self)
    }
}
