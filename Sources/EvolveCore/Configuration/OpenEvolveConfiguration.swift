import Foundation
import Yams

/// What Evolve made of an OpenEvolve problem directory's configuration (`config.yaml`, or the
/// file given with `--config`).
public struct OpenEvolveOrigin: Sendable, Hashable {
    /// The configuration file read; nil when the directory has none (OpenEvolve's defaults apply).
    public var file: String?
    /// Keys in the file that Evolve does not act on, as dotted paths, in file order.
    public var ignoredKeys: [String]
    /// True when the file named the models (`llm.models`, `primary_model`, `secondary_model`):
    /// `--provider`, `--model` and `--openai-url` then replace them (`dropFileModels`).
    public var modelsFromFile: Bool
    /// OpenEvolve's `evaluator.timeout`: seconds per evaluation call (per cascade stage).
    public var stageTimeout: Double
    /// The evaluation calls one candidate may need (1 to 3); `sandbox.timeout` covers them all.
    public var stages: Int

    public init(file: String?, ignoredKeys: [String] = [], modelsFromFile: Bool = false, stageTimeout: Double = 300, stages: Int = 1) {
        self.file = file
        self.ignoredKeys = ignoredKeys
        self.modelsFromFile = modelsFromFile
        self.stageTimeout = stageTimeout
        self.stages = stages
    }

    /// The one warning line naming the ignored keys, or nil when there are none.
    public var warning: String? {
        guard !ignoredKeys.isEmpty else { return nil }
        let name = file.map { ($0 as NSString).lastPathComponent } ?? "config.yaml"
        return "\(name): Evolve does not act on \(ignoredKeys.count == 1 ? "this key" : "these keys"): \(ignoredKeys.joined(separator: ", "))"
    }
}

/// Maps an OpenEvolve configuration onto Evolve's. Keys a file leaves out take Evolve's defaults,
/// except the evaluator's, which keep OpenEvolve's (300 s per call, the cascade on, thresholds
/// 0.5, 0.75, 0.9), since they decide a program's score.
public enum OpenEvolveConfiguration {
    public static let defaultFileName = "config.yaml"
    public static let defaultTimeout = 300.0
    static let sections: Set<String> = ["llm", "prompt", "database", "evaluator", "evolution_trace"]

    /// `yaml` is the file's text (empty for a directory without one); `evaluatorText` is
    /// evaluator.py's, to count its cascade stages.
    public static func parse(
        yaml: String, file: String?, program: String, evaluatorText: String
    ) throws(ConfigurationError) -> (ProblemConfiguration, OpenEvolveOrigin) {
        var reader = try OpenEvolveYAML(text: yaml, file: file ?? defaultFileName)
        var configuration = ProblemConfiguration(program: program, language: try reader.string("language"))
        var ignored: [String] = []
        try mapSearch(&reader, into: &configuration)
        let modelsFromFile = try mapModels(&reader, into: &configuration.llm, ignored: &ignored)
        try mapLLMSettings(&reader, into: &configuration.llm)
        try mapPrompt(&reader, into: &configuration, ignored: &ignored)
        let dimensions = try featureDimensions(&reader)
        let bridge = try mapEvaluator(&reader, dimensions: dimensions)
        configuration.evaluator = EvaluatorConfiguration(openEvolve: bridge)
        try mapFeatures(&reader, dimensions: dimensions, into: &configuration.search)
        let timeout = try reader.double("evaluator.timeout") ?? defaultTimeout
        guard timeout > 0 else { throw reader.error("evaluator.timeout", "the timeout must be a positive number of seconds") }
        if let concurrency = try reader.int("evaluator.parallel_evaluations") {
            guard concurrency >= 1 else { throw reader.error("evaluator.parallel_evaluations", "must be at least 1") }
            configuration.sandbox.concurrency = concurrency
        }
        let stages = bridge.stageCount(evaluatorText: evaluatorText)
        configuration.sandbox.timeout = timeout * Double(stages)
        configuration.sandbox.cpuSeconds = max(configuration.sandbox.cpuSeconds, Int(configuration.sandbox.timeout.rounded(.up)))
        ignored = reader.unread(sections: sections) + ignored
        let origin = OpenEvolveOrigin(file: file, ignoredKeys: ignored, modelsFromFile: modelsFromFile, stageTimeout: timeout, stages: stages)
        return (configuration, origin)
    }

    static func mapSearch(_ reader: inout OpenEvolveYAML, into configuration: inout ProblemConfiguration) throws(ConfigurationError) {
        if let iterations = try reader.int("max_iterations") {
            guard iterations >= 0 else { throw reader.error("max_iterations", "cannot be negative") }
            configuration.search.iterations = iterations
        }
        let seedKey = reader.node("random_seed") != nil ? "random_seed" : "database.random_seed"
        if let seed = try reader.int(seedKey) {
            guard seed >= 0 else { throw reader.error(seedKey, "the seed cannot be negative") }
            configuration.search.seed = UInt64(seed)
        }
        _ = reader.node("database.random_seed")
        _ = reader.node("file_suffix")  // chose the starting program
        if let diff = try reader.bool("diff_based_evolution") { configuration.search.mode = diff ? .diff : .rewrite }
        if let length = try reader.int("max_code_length") {
            guard length >= 100 else { throw reader.error("max_code_length", "must be at least 100") }
            configuration.search.maxCodeLength = length
        }
        if let islands = try reader.int("database.num_islands") {
            guard islands >= 1 else { throw reader.error("database.num_islands", "there must be at least one island") }
            configuration.search.islands = islands
        }
        if let interval = try reader.int("database.migration_interval") {
            guard interval >= 1 else { throw reader.error("database.migration_interval", "must be at least 1") }
            configuration.search.migrationInterval = interval
        }
    }

    static func mapPrompt(
        _ reader: inout OpenEvolveYAML, into configuration: inout ProblemConfiguration, ignored: inout [String]
    ) throws(ConfigurationError) {
        // OpenEvolve takes a bare word as the name of one of its templates, anything else as the prompt.
        if let message = try reader.string("prompt.system_message") {
            if message.contains(where: { $0.isWhitespace || $0.isPunctuation && $0 != "_" }) {
                configuration.description = message.trimmingCharacters(in: .whitespacesAndNewlines)
            } else {
                ignored.append("prompt.system_message (the template name `\(message)`)")
            }
        }
        if let top = try reader.int("prompt.num_top_programs") {
            guard top >= 0 else { throw reader.error("prompt.num_top_programs", "cannot be negative") }
            configuration.search.topPrograms = top
        }
        if let diverse = try reader.int("prompt.num_diverse_programs") {
            guard diverse >= 0 else { throw reader.error("prompt.num_diverse_programs", "cannot be negative") }
            configuration.search.inspirations = diverse
        }
    }

    static func featureDimensions(_ reader: inout OpenEvolveYAML) throws(ConfigurationError) -> [String]? {
        try reader.list("database.feature_dimensions")?.map { (node: Node) throws(ConfigurationError) -> String in
            guard let name = node.string, !name.isEmpty else { throw reader.error("database.feature_dimensions", "expected a list of names") }
            return name
        }
    }

    static func mapEvaluator(_ reader: inout OpenEvolveYAML, dimensions: [String]?) throws(ConfigurationError) -> OpenEvolveEvaluatorConfiguration {
        var bridge = OpenEvolveEvaluatorConfiguration()
        if let dimensions { bridge.featureDimensions = dimensions }
        if let cascade = try reader.bool("evaluator.cascade_evaluation") { bridge.cascade = cascade }
        if let thresholds = try reader.list("evaluator.cascade_thresholds") {
            bridge.thresholds = try thresholds.map { (node: Node) throws(ConfigurationError) -> Double in
                guard let value = node.float, value.isFinite else { throw reader.error("evaluator.cascade_thresholds", "expected a list of numbers") }
                return value
            }
        }
        if let bytes = try reader.int("prompt.max_artifact_bytes") {
            guard bytes >= 0 else { throw reader.error("prompt.max_artifact_bytes", "cannot be negative") }
            bridge.maxArtifactBytes = bytes
        }
        return bridge
    }

    /// OpenEvolve's grid dimensions in Evolve's terms: its built-in `complexity` (code length) is
    /// Evolve's `length`; `diversity` (edit distance to other programs) has no Evolve counterpart
    /// and becomes the other structural built-in, `nesting`; other names are evaluator metrics.
    public static func evolveFeature(_ name: String) -> String {
        switch name {
        case "complexity": return "length"
        case "diversity": return "nesting"
        default: return name
        }
    }

    static func mapFeatures(_ reader: inout OpenEvolveYAML, dimensions: [String]?, into search: inout SearchConfiguration) throws(ConfigurationError) {
        if let names = dimensions {
            var features: [String] = []
            for name in names.map(evolveFeature) where !features.contains(name) { features.append(name) }
            guard features.count <= 4 else { throw reader.error("database.feature_dimensions", "Evolve supports at most 4 feature dimensions") }
            search.features = features
        }
        guard let bins = reader.node("database.feature_bins") else { return }
        // Evolve has one bin count for all dimensions: a per-dimension mapping gives its largest.
        let count = bins.int ?? bins.mapping?.compactMap { $0.value.int }.max()
        guard let count, (1...64).contains(count) else {
            throw reader.error("database.feature_bins", "expected a whole number of bins from 1 to 64 (or one per dimension)")
        }
        search.bins = count
    }
}
