import Foundation
import Yams

/// A problem directory, loaded and checked: `evolve.yaml`, the starting program, the evaluator
/// files and optional prompt template overrides in `prompts/`.
public struct Problem: Sendable {
    public static let configurationFileName = "evolve.yaml"
    /// Template names a problem may override with `prompts/NAME.md`.
    public static let templateNames = [
        "system", "user", "diff_format", "rewrite_format", "feedback",
        "parent_record", "last_evaluation", "previous_attempts", "top_programs", "inspirations", "other_islands",
        "current_program", "task", "trimmed", "crossover", "current_files", "files_diff_format", "files_rewrite_format",
    ]

    public var directory: URL
    public var configuration: ProblemConfiguration
    /// The starting program, with line ends normalized to LF.
    public var initialProgram: String
    /// Template overrides by name (see `templateNames`).
    public var templates: [String: String]
    /// Set when the problem is an OpenEvolve directory (config.yaml and evaluator.py).
    public var openEvolve: OpenEvolveOrigin?

    public init(
        directory: URL, configuration: ProblemConfiguration, initialProgram: String, templates: [String: String] = [:],
        openEvolve: OpenEvolveOrigin? = nil
    ) {
        self.directory = directory
        self.configuration = configuration
        self.initialProgram = initialProgram
        self.templates = templates
        self.openEvolve = openEvolve
    }

    /// Loads and checks the problem in `directory`: its evolve.yaml, else an OpenEvolve
    /// config.yaml with evaluator.py, or the `configurationFile` given (an OpenEvolve
    /// configuration unless its name starts with `evolve`).
    public static func load(from directory: URL, configurationFile: URL? = nil) throws(ConfigurationError) -> Problem {
        let directory = directory.standardizedFileURL
        let file = configurationFile ?? directory.appendingPathComponent(configurationFileName)
        if let openEvolve = try openEvolveConfigurationFile(in: directory, given: configurationFile) {
            return try loadOpenEvolve(from: directory, configurationFile: openEvolve)
        }
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            let exists = FileManager.default.fileExists(atPath: directory.path)
            throw ConfigurationError(
                file: file.path, line: nil, key: nil,
                message: !exists
                    ? "the problem directory does not exist"
                    : configurationFile != nil
                        ? "the configuration file does not exist"
                        : "no \(configurationFileName) here, nor an OpenEvolve config.yaml with evaluator.py (create one with `evolve init \(directory.path)`)"
            )
        }
        let configuration = try ProblemConfiguration.parse(yaml: text, file: file.path)
        return try checked(directory: directory, configuration: configuration, file: file.path, text: text)
    }

    /// Reads the program and checks the evaluator files and prompt templates of a parsed configuration.
    static func checked(
        directory: URL, configuration: ProblemConfiguration, file: String, text: String, openEvolve: OpenEvolveOrigin? = nil
    ) throws(ConfigurationError) -> Problem {
        let file = URL(fileURLWithPath: file)
        let locate = { (path: [String]) in ConfigurationError.line(of: path, in: text) }

        let initialProgram = try startingProgram(directory: directory, configuration: configuration, file: file, locate: locate)
        var configuration = configuration
        if configuration.language.isEmpty, let tree = ProgramTree(decoding: initialProgram) {
            configuration.language = tree.mainLanguage
        }

        if let bridge = configuration.evaluator.openEvolve {
            guard FileManager.default.fileExists(atPath: directory.appendingPathComponent(bridge.file).path) else {
                let key = openEvolve == nil ? "evaluator.openevolve.file" : nil
                throw ConfigurationError(
                    file: file.path, line: key.flatMap { _ in locate(["evaluator", "openevolve", "file"]) }, key: key,
                    message: "the evaluator file `\(bridge.file)` is missing from \(directory.path)")
            }
        }
        for (path, stage) in commandsToCheck(configuration.evaluator) {
            if let missing = missingScript(in: stage.command, directory: directory) {
                throw ConfigurationError(
                    file: file.path, line: locate(path), key: path.joined(separator: "."),
                    message: "the evaluator file `\(missing)` is missing from \(directory.path)"
                )
            }
            if !stage.command.words.contains(where: { $0.contains("{program}") }) {
                throw ConfigurationError(
                    file: file.path, line: locate(path), key: path.joined(separator: "."),
                    message: "the command must pass the candidate with the `{program}` placeholder"
                )
            }
        }

        if let missing = configuration.environment.missingPath(in: directory) {
            throw ConfigurationError(
                file: file.path, line: locate(missing.key.split(separator: ".").map(String.init)), key: missing.key, message: missing.message)
        }

        var templates: [String: String] = [:]
        let promptsDirectory = directory.appendingPathComponent("prompts")
        if let names = try? FileManager.default.contentsOfDirectory(atPath: promptsDirectory.path) {
            for name in names.sorted() where !name.hasPrefix(".") {
                let base = (name as NSString).deletingPathExtension
                guard templateNames.contains(base) else {
                    throw ConfigurationError(
                        file: promptsDirectory.appendingPathComponent(name).path, line: nil, key: nil,
                        message: "not a known prompt template; known names: \(templateNames.map { $0 + ".md" }.joined(separator: ", "))"
                    )
                }
                templates[base] = try? String(contentsOf: promptsDirectory.appendingPathComponent(name), encoding: .utf8)
            }
        }
        return Problem(
            directory: directory, configuration: configuration, initialProgram: initialProgram, templates: templates, openEvolve: openEvolve)
    }

    /// The evaluator commands a problem runs, with the key each is set at: the cascade (unless an
    /// OpenEvolve evaluator replaces it) and the held-out `final` stage.
    static func commandsToCheck(_ evaluator: EvaluatorConfiguration) -> [([String], EvaluationStage)] {
        var commands: [([String], EvaluationStage)] = []
        if evaluator.openEvolve == nil {
            for (index, stage) in evaluator.cascade.enumerated() {
                let isFinal = index == evaluator.cascade.count - 1
                commands.append((isFinal ? ["evaluator", "command"] : ["evaluator", "stages", String(index), "command"], stage))
            }
        }
        if let heldOut = evaluator.heldOut { commands.append((["evaluator", "final", "command"], heldOut)) }
        return commands
    }

    /// The first word of `command` that names a script file (by extension) which is not in `directory`.
    static func missingScript(in command: CommandLineSpec, directory: URL) -> String? {
        let scriptExtensions: Set<String> = ["py", "sh", "js", "rb", "pl", "jl", "r", "lua"]
        for word in command.words where !word.contains("{") && !word.hasPrefix("-") {
            let ext = (word as NSString).pathExtension.lowercased()
            guard scriptExtensions.contains(ext) else { continue }
            let url = word.hasPrefix("/") ? URL(fileURLWithPath: word) : directory.appendingPathComponent(word)
            if !FileManager.default.fileExists(atPath: url.path) { return word }
        }
        return nil
    }
}

extension ProblemConfiguration {
    /// Decodes `evolve.yaml` text; every failure names the file, line and key.
    public static func parse(yaml text: String, file: String) throws(ConfigurationError) -> ProblemConfiguration {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigurationError.syntax(error, file: file)
        } catch {
            throw ConfigurationError(file: file, line: nil, key: nil, message: "\(error)")
        }
        guard let node else { return ProblemConfiguration() }
        guard node.mapping != nil else {
            throw ConfigurationError(file: file, line: node.mark?.line, key: nil, message: "the file must be a mapping of keys to values")
        }
        do {
            return try YAMLDecoder().decode(ProblemConfiguration.self, from: node)
        } catch let error as DecodingError {
            throw ConfigurationError.decoding(error, file: file, root: node)
        } catch {
            throw ConfigurationError(file: file, line: nil, key: nil, message: "\(error)")
        }
    }
}

/// A problem in the user's configuration: one line naming the file, line and key, and what to do.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var key: String?
    public var message: String

    public init(file: String, line: Int?, key: String?, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let key { text += "`\(key)`: " }
        return text + message
    }

    static func syntax(_ error: YamlError, file: String) -> ConfigurationError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            // The context names where the broken construct began (an unclosed quote's opening line).
            if let context {
                return ConfigurationError(file: file, line: context.mark.line, key: nil, message: "YAML syntax error: \(problem) \(context.text)")
            }
            return ConfigurationError(file: file, line: mark.line, key: nil, message: "YAML syntax error: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let located = duplicates.first.flatMap { secondOccurrence(of: $0, in: context.text) }
            return ConfigurationError(
                file: file, line: located?.line ?? (context.mark.line > 0 ? context.mark.line : nil),
                key: located?.path ?? duplicates.first,
                message: "duplicate key: it appears more than once in the same mapping")
        default:
            let firstLine = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
            return ConfigurationError(file: file, line: nil, key: nil, message: "YAML error: \(firstLine)")
        }
    }

    /// The line and dotted path of the second occurrence of a block-style key in the same mapping.
    static func secondOccurrence(of key: String, in text: String) -> (line: Int, path: String)? {
        var stack: [(indent: Int, key: String)] = []
        var seen: Set<String> = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.prefix { $0 != "#" }
            let indent = line.prefix { $0 == " " }.count
            let content = line.dropFirst(indent)
            guard let colon = content.firstIndex(of: ":"), !content.hasPrefix("-") else { continue }
            let name = content[..<colon].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, !name.contains(" ") else { continue }
            while let last = stack.last, last.indent >= indent { stack.removeLast() }
            let path = (stack.map(\.key) + [name]).joined(separator: ".")
            if name == key, !seen.insert(path).inserted { return (index + 1, path) }
            seen.insert(path)
            stack.append((indent, name))
        }
        return nil
    }

    static func decoding(_ error: DecodingError, file: String, root: Node) -> ConfigurationError {
        let path: [any CodingKey]
        let message: String
        switch error {
        case .typeMismatch(let type, let context):
            path = context.codingPath
            message = "expected \(describe(type))" + (context.debugDescription.hasPrefix("expected") ? "" : "")
        case .valueNotFound(let type, let context):
            path = context.codingPath
            message = "a value is required here (\(describe(type)))"
        case .keyNotFound(let key, let context):
            path = context.codingPath
            message = "the key `\(key.stringValue)` is required: \(context.debugDescription)"
        case .dataCorrupted(let context):
            path = context.codingPath
            message = cleaned(context.debugDescription, codingPath: path)
        @unknown default:
            path = []
            message = "\(error)"
        }
        let names = path.map { $0.intValue.map(String.init) ?? $0.stringValue }
        return ConfigurationError(
            file: file, line: line(of: names, in: root), key: names.isEmpty ? nil : names.joined(separator: "."), message: message)
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Double.Type, is Float.Type: return "a number"
        case is Int.Type, is UInt64.Type: return "a whole number"
        case is Bool.Type: return "true or false"
        case is String.Type: return "a string"
        case is [String].Type: return "a list of strings"
        default:
            // Yams names the YAML node kind it expected.
            let name = String(describing: type)
            if name.hasPrefix("Array") || name.hasSuffix("Sequence") { return "a list" }
            if name.hasSuffix("Scalar") { return "a single value (a string or a number)" }
            return "a mapping of keys to values"
        }
    }

    private static func cleaned(_ description: String, codingPath: [any CodingKey]) -> String {
        // Enum decoding failures name the Swift type; say what values are allowed instead.
        if description.contains("Cannot initialize"), let key = codingPath.last?.stringValue {
            let allowed: [String: [String]] = [
                "direction": Goal.Direction.allCases.map(\.rawValue),
                "mode": Mutation.Mode.allCases.map(\.rawValue),
                "backend": SandboxConfiguration.Backend.allCases.map(\.rawValue),
                "provider": LLMConfiguration.Provider.allCases.map(\.rawValue),
                "method": NoveltyConfiguration.Method.allCases.map(\.rawValue),
                "placement": SandboxConfiguration.Slurm.Placement.allCases.map(\.rawValue),
                "isolation": SandboxConfiguration.Slurm.Isolation.allCases.map(\.rawValue),
            ]
            if let values = allowed[key] { return "must be one of: \(values.joined(separator: ", "))" }
        }
        return description
    }

    /// The line of the key at `path` (names or list indices) in YAML text.
    static func line(of path: [String], in text: String) -> Int? {
        guard let node = try? Yams.compose(yaml: text) else { return nil }
        return line(of: path, in: node)
    }

    static func line(of path: [String], in root: Node) -> Int? {
        var node = root
        var line = root.mark?.line
        for name in path {
            if let mapping = node.mapping, let pair = mapping.first(where: { $0.key.string == name }) {
                line = pair.key.mark?.line ?? line
                node = pair.value
            } else if let sequence = node.sequence, let index = Int(name), index < sequence.count {
                node = sequence[index]
                line = node.mark?.line ?? line
            } else {
                break
            }
        }
        return line
    }
}
