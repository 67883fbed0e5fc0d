import Foundation

/// `evaluator.openevolve`: score candidates with an OpenEvolve evaluator (`evaluate(program_path)`,
/// or the cascade `evaluate_stage1/2/3`) through Evolve's bridge, by OpenEvolve's rules. When set,
/// `evaluator.command` and `evaluator.stages` are not used.
public struct OpenEvolveEvaluatorConfiguration: Sendable, Hashable, Codable {
    /// The evaluator file, relative to the problem directory.
    public var file: String
    /// OpenEvolve's `evaluator.cascade_evaluation`: call `evaluate_stage1/2/3` when the file has them.
    public var cascade: Bool
    /// OpenEvolve's `evaluator.cascade_thresholds`: what stages 1 and 2 must reach for the next to run.
    public var thresholds: [Double]
    /// OpenEvolve's `database.feature_dimensions`: left out of the mean that stands in for a missing
    /// `combined_score`, and reported as features when they are numeric metrics.
    public var featureDimensions: [String]
    /// OpenEvolve's `prompt.max_artifact_bytes`: the longest artifact kept, in characters.
    public var maxArtifactBytes: Int

    public static let defaultThresholds = [0.5, 0.75, 0.9]
    public static let defaultFeatureDimensions = ["complexity", "diversity"]

    public init(
        file: String = "evaluator.py", cascade: Bool = true, thresholds: [Double] = defaultThresholds,
        featureDimensions: [String] = defaultFeatureDimensions, maxArtifactBytes: Int = 20 * 1024
    ) {
        self.file = file
        self.cascade = cascade
        self.thresholds = thresholds
        self.featureDimensions = featureDimensions
        self.maxArtifactBytes = maxArtifactBytes
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case file, cascade, thresholds
        case featureDimensions = "feature_dimensions"
        case maxArtifactBytes = "max_artifact_bytes"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        let d = OpenEvolveEvaluatorConfiguration()
        self.init(
            file: try c.value(.file, default: d.file), cascade: try c.value(.cascade, default: d.cascade),
            thresholds: try c.value(.thresholds, default: d.thresholds),
            featureDimensions: try c.value(.featureDimensions, default: d.featureDimensions),
            maxArtifactBytes: try c.value(.maxArtifactBytes, default: d.maxArtifactBytes))
        try c.require(!file.isEmpty, .file, "the evaluator file name is empty")
        try c.require(thresholds.allSatisfy(\.isFinite), .thresholds, "the thresholds must be finite numbers")
        try c.require(maxArtifactBytes >= 0, .maxArtifactBytes, "max_artifact_bytes cannot be negative")
    }

    /// The stage functions the bridge will call, counted from the evaluator's text: `evaluate()`
    /// alone is one; with the cascade on, `evaluate_stage1` and the stages that follow it without a
    /// gap, as far as there are thresholds to reach them.
    public func stageCount(evaluatorText text: String) -> Int {
        guard cascade else { return 1 }
        func defines(_ name: String) -> Bool {
            text.split(separator: "\n").contains { $0.hasPrefix("def \(name)(") || $0.hasPrefix("async def \(name)(") }
        }
        var count = 0
        while count < 3, defines("evaluate_stage\(count + 1)") { count += 1 }
        return max(1, min(count, thresholds.count + 1))
    }
}
