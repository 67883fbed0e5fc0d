import EvolveCore
import Foundation

/// The facts a run keeps about itself, stored in the `run_info` table, one key per fact.
///
/// Keys: `problem_directory`, `model`, `endpoint`, `evolve_yaml` (the file's text as it was),
/// `configuration` (the configuration the run used, overrides included, as JSON) and `model_cost`.
/// Any other key (written by a later version, or by hand) is kept in `facts`. A database written
/// before `configuration` existed holds only `evolve_yaml`: its configuration is decoded from that.
public struct RunInfo: Codable, Sendable, Hashable {
    public var problemDirectory: String?
    public var model: String?
    public var endpoint: String?
    /// The text of the problem's evolve.yaml when the run started.
    public var evolveYAML: String?
    /// The configuration the run used (evolve.yaml plus command-line overrides).
    public var configuration: ProblemConfiguration?
    /// What the run's model answers have cost so far, answers of unfinished iterations included.
    public var modelCost: Double
    /// Facts under any other key.
    public var facts: [String: String]

    public init(
        problemDirectory: String? = nil, model: String? = nil, endpoint: String? = nil, evolveYAML: String? = nil,
        configuration: ProblemConfiguration? = nil, modelCost: Double = 0, facts: [String: String] = [:]
    ) {
        self.problemDirectory = problemDirectory
        self.model = model
        self.endpoint = endpoint
        self.evolveYAML = evolveYAML
        self.configuration = configuration
        self.modelCost = modelCost
        self.facts = facts
    }

    /// The run's goal: from its configuration, else the default (maximize, no target).
    public var goal: Goal { configuration?.goal ?? Goal() }

    enum Key {
        static let problemDirectory = "problem_directory"
        static let model = "model"
        static let endpoint = "endpoint"
        static let evolveYAML = "evolve_yaml"
        static let configuration = "configuration"
        static let modelCost = "model_cost"
        static let all: Set<String> = [problemDirectory, model, endpoint, evolveYAML, configuration, modelCost]
    }

    /// The facts in `run_info`'s rows (key → value).
    init(values: [String: String]) {
        problemDirectory = values[Key.problemDirectory]
        model = values[Key.model]
        endpoint = values[Key.endpoint]
        evolveYAML = values[Key.evolveYAML]
        modelCost = values[Key.modelCost].flatMap(Double.init) ?? 0
        facts = values.filter { !Key.all.contains($0.key) }
        configuration =
            values[Key.configuration].flatMap { try? JSONDecoder().decode(ProblemConfiguration.self, from: Data($0.utf8)) }
            ?? evolveYAML.flatMap { try? ProblemConfiguration.parse(yaml: $0, file: Problem.configurationFileName) }
    }

    /// The rows that store these facts (key → value); absent facts have no row.
    var values: [String: String] {
        var values = facts
        values[Key.problemDirectory] = problemDirectory
        values[Key.model] = model
        values[Key.endpoint] = endpoint
        values[Key.evolveYAML] = evolveYAML
        values[Key.configuration] = configuration.flatMap(Self.json)
        values[Key.modelCost] = modelCost == 0 ? nil : String(modelCost)
        return values
    }

    private static func json(_ configuration: ProblemConfiguration) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(configuration)).map { String(decoding: $0, as: UTF8.self) }
    }
}
