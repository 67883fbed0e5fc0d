import EvolveCore
import Foundation

/// Evolve's bridge to an OpenEvolve evaluator (`evaluator.openevolve`): a Python script run inside
/// the sandbox as `python3 -c SCRIPT SETTINGS {program}`, so that every backend runs it with no
/// file to place (the script travels read-only, in the arguments). It imports evaluator.py as
/// OpenEvolve does (its folder first on `sys.path`, and on `PYTHONPATH` for the processes it
/// starts), provides `openevolve.evaluation_result.EvaluationResult` when OpenEvolve is not
/// installed, calls `evaluate()` or the cascade `evaluate_stage1/2/3` with OpenEvolve's threshold
/// rule and merging, and prints Evolve's report, scored by OpenEvolve's fitness rule, as its only
/// line of standard output; what the evaluator prints goes to standard error.
public enum OpenEvolveBridge {
    /// The one evaluation stage that runs the bridge.
    public static func stage(_ configuration: OpenEvolveEvaluatorConfiguration) -> EvaluationStage {
        EvaluationStage(name: "openevolve", command: .arguments(["python3", "-c", script, settings(configuration), "{program}"]))
    }

    /// The bridge's settings, as one JSON argument.
    static func settings(_ configuration: OpenEvolveEvaluatorConfiguration) -> String {
        let settings = Settings(
            evaluator: configuration.file, cascade: configuration.cascade, thresholds: configuration.thresholds,
            feature_dimensions: configuration.featureDimensions, max_artifact_bytes: configuration.maxArtifactBytes)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(settings)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// What the bridge script reads from its first argument.
    struct Settings: Encodable {
        var evaluator: String
        var cascade: Bool
        var thresholds: [Double]
        var feature_dimensions: [String]
        var max_artifact_bytes: Int
    }

    /// The bridge script: openevolve-bridge.py beside this file, embedded in the binary at build time.
    static let script = String(decoding: PackageResources.openevolve_bridge_py, as: UTF8.self)
}
