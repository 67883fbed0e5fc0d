import Foundation
import Yams

/// Loading an OpenEvolve problem directory: `config.yaml` (or another file given with
/// `--config`), `evaluator.py` with `evaluate(program_path)`, and `initial_program.*`.
extension Problem {
    public static let openEvolveEvaluatorFileName = "evaluator.py"
    static let openEvolveProgramStem = "initial_program"

    enum OpenEvolveSource {
        case file(URL)
        /// No configuration file: OpenEvolve's defaults.
        case defaults
    }

    /// How `directory` is read as an OpenEvolve directory, or nil when it is read as Evolve's.
    static func openEvolveConfigurationFile(in directory: URL, given: URL?) throws(ConfigurationError) -> OpenEvolveSource? {
        let manager = FileManager.default
        if let given {
            guard !given.lastPathComponent.hasPrefix("evolve") else { return nil }
            guard manager.fileExists(atPath: given.path) else {
                throw ConfigurationError(file: given.path, line: nil, key: nil, message: "the configuration file does not exist")
            }
            return .file(given)
        }
        if manager.fileExists(atPath: directory.appendingPathComponent(configurationFileName).path) { return nil }
        guard manager.fileExists(atPath: directory.appendingPathComponent(openEvolveEvaluatorFileName).path) else { return nil }
        let configFile = directory.appendingPathComponent(OpenEvolveConfiguration.defaultFileName)
        if manager.fileExists(atPath: configFile.path) { return .file(configFile) }
        return programFiles(in: directory).isEmpty ? nil : .defaults
    }

    static func loadOpenEvolve(from directory: URL, configurationFile source: OpenEvolveSource) throws(ConfigurationError) -> Problem {
        let file: URL?
        if case .file(let url) = source { file = url } else { file = nil }
        let shownFile = (file ?? directory.appendingPathComponent(OpenEvolveConfiguration.defaultFileName)).path
        var text = ""
        if let file {
            guard let contents = try? String(contentsOf: file, encoding: .utf8) else {
                throw ConfigurationError(file: file.path, line: nil, key: nil, message: "the configuration file cannot be read")
            }
            text = contents
        }
        let evaluatorURL = directory.appendingPathComponent(openEvolveEvaluatorFileName)
        guard let evaluatorText = try? String(contentsOf: evaluatorURL, encoding: .utf8) else {
            throw ConfigurationError(
                file: evaluatorURL.path, line: nil, key: nil,
                message: "an OpenEvolve directory needs \(openEvolveEvaluatorFileName) with evaluate(program_path) beside its configuration")
        }
        let program = try openEvolveProgram(in: directory, suffix: fileSuffix(in: text), configurationFile: shownFile)
        let (configuration, origin) = try OpenEvolveConfiguration.parse(
            yaml: text, file: file?.path, program: program, evaluatorText: normalizeNewlines(evaluatorText))
        return try checked(directory: directory, configuration: configuration, file: shownFile, text: text, openEvolve: origin)
    }

    /// `initial_program.*` files of the directory, sorted by name.
    static func programFiles(in directory: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { ($0 as NSString).deletingPathExtension == openEvolveProgramStem && $0.contains(".") }.sorted()
    }

    /// The starting program: the one `initial_program.*`, or the one with the configuration's
    /// `file_suffix` when there are several.
    static func openEvolveProgram(in directory: URL, suffix: String?, configurationFile: String) throws(ConfigurationError) -> String {
        let files = programFiles(in: directory)
        guard let first = files.first else {
            throw ConfigurationError(
                file: configurationFile, line: nil, key: nil,
                message: "no \(openEvolveProgramStem).* (the starting program) in \(directory.path)")
        }
        if files.count > 1, let suffix, let match = files.first(where: { $0.hasSuffix(suffix) }) { return match }
        return first
    }

    static func fileSuffix(in text: String) -> String? {
        guard let node = try? Yams.compose(yaml: text), let suffix = node.mapping?["file_suffix"]?.string else { return nil }
        return suffix
    }

    /// Per evaluation stage (`evaluator.cascade`, or the bridge's one), where its wall clock is
    /// set, for the message of a timed-out evaluation.
    public var timeoutKeys: [String] {
        guard configuration.evaluator.openEvolve == nil else { return [timeoutKey()] }
        let stages = configuration.evaluator.stages
        return configuration.evaluator.cascade.indices.map { index in
            index < stages.count && stages[index].timeout != nil ? timeoutKey(stage: index) : timeoutKey()
        }
    }

    /// Where the held-out stage's (`evaluator.final`) wall clock is set.
    public var heldOutTimeoutKey: String {
        configuration.evaluator.heldOut?.timeout == nil ? timeoutKey() : "`evaluator.final.timeout` in \(Problem.configurationFileName)"
    }

    /// Where the wall clock of an evaluation is set, for the message of a timed-out one.
    public func timeoutKey(stage: Int? = nil) -> String {
        if let stage { return "`evaluator.stages.\(stage).timeout` in \(Problem.configurationFileName)" }
        guard let openEvolve else { return "`sandbox.timeout` in \(Problem.configurationFileName)" }
        let file = openEvolve.file.map { ($0 as NSString).lastPathComponent } ?? "OpenEvolve's default"
        let perStage = secondsText(openEvolve.stageTimeout)
        let calls = openEvolve.stages == 1 ? "" : " × \(openEvolve.stages) cascade stages"
        return "`evaluator.timeout` \(perStage) s\(calls) in \(file)"
    }
}

private func secondsText(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
}
