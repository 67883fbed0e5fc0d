import Foundation

/// What the evaluator's interpreter is (`environment` in evolve.yaml).
///
/// - `environment.requirements: FILE`: a virtual environment built once from FILE (PyPI) and
///   cached by its content; also used, with `requirements.txt`, when that file is in the problem
///   directory and nothing is said.
/// - `environment.python: PATH`: an existing virtual environment or conda prefix.
/// - `environment: none`: the sandbox's own interpreters only, even if requirements.txt is there.
public struct EnvironmentConfiguration: Sendable, Hashable, Codable {
    /// A requirements file relative to the problem directory; nil with `automatic` means
    /// `requirements.txt` if present.
    public var requirements: String?
    /// An existing virtual environment or conda prefix (or its interpreter).
    public var python: String?
    /// The interpreter a built environment is made from; the gVisor sandbox's root is the host's
    /// /usr, so Debian's interpreter runs there as it is.
    public var interpreter: String
    /// False for `environment: none`.
    public var enabled: Bool

    public static let defaultRequirements = "requirements.txt"
    public static let defaultInterpreter = "/usr/bin/python3"

    public init(requirements: String? = nil, python: String? = nil, interpreter: String = EnvironmentConfiguration.defaultInterpreter, enabled: Bool = true) {
        self.requirements = requirements
        self.python = python
        self.interpreter = interpreter
        self.enabled = enabled
    }

    public static let none = EnvironmentConfiguration(enabled: false)

    enum CodingKeys: String, CodingKey, CaseIterable { case requirements, python, interpreter }

    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let word = try? single.decode(String.self) {
            guard ["none", "off", "false"].contains(word.lowercased()) else {
                throw DecodingError.dataCorruptedError(
                    in: single, debugDescription: "write `environment: none`, or a mapping with `requirements:` or `python:`")
            }
            self = .none
            return
        }
        if let single = try? decoder.singleValueContainer(), (try? single.decode(Bool.self)) == false {
            self = .none
            return
        }
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(
            requirements: try c.decodeIfPresent(String.self, forKey: .requirements),
            python: try c.decodeIfPresent(String.self, forKey: .python),
            interpreter: try c.value(.interpreter, default: Self.defaultInterpreter))
        try c.require(requirements == nil || python == nil, .python, "give either `requirements` (Evolve builds the environment) or `python` (one you have), not both")
        try c.require(requirements.map { !$0.isEmpty } ?? true, .requirements, "the requirements file name is empty")
        try c.require(python.map { !$0.isEmpty } ?? true, .python, "the environment path is empty")
        try c.require(interpreter.hasPrefix("/"), .interpreter, "the interpreter must be an absolute path such as /usr/bin/python3")
    }

    public func encode(to encoder: any Encoder) throws {
        guard enabled else {
            var single = encoder.singleValueContainer()
            try single.encode("none")
            return
        }
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(requirements, forKey: .requirements)
        try c.encodeIfPresent(python, forKey: .python)
        try c.encode(interpreter, forKey: .interpreter)
    }

    /// What the evaluator runs on, for a problem in `directory`.
    public enum Resolved: Sendable, Hashable {
        /// The sandbox's own interpreters.
        case system
        /// Build (or reuse) a virtual environment from this requirements file on `interpreter`.
        case requirements(file: URL, interpreter: String)
        /// An environment the user already has.
        case existing(URL)
    }

    /// Resolves the keys against the problem directory: relative paths are the directory's, and a
    /// `requirements.txt` there is used when nothing is said.
    public func resolve(in directory: URL) -> Resolved {
        guard enabled else { return .system }
        if let python {
            let expanded = (python as NSString).expandingTildeInPath
            return .existing(expanded.hasPrefix("/") ? URL(fileURLWithPath: expanded) : directory.appendingPathComponent(expanded))
        }
        let name = requirements ?? Self.defaultRequirements
        let file = directory.appendingPathComponent(name)
        if requirements == nil, !FileManager.default.fileExists(atPath: file.path) { return .system }
        return .requirements(file: file, interpreter: interpreter)
    }

    /// The key and message of a path that the problem names but that is missing.
    func missingPath(in directory: URL) -> (key: String, message: String)? {
        switch resolve(in: directory) {
        case .system: return nil
        case .requirements(let file, _):
            guard !FileManager.default.fileExists(atPath: file.path) else { return nil }
            return ("environment.requirements", "the requirements file `\(requirements ?? "")` is missing from \(directory.path)")
        case .existing(let url):
            guard !FileManager.default.fileExists(atPath: url.path) else { return nil }
            return ("environment.python", "there is no environment at \(url.path) (give a virtual environment or conda prefix)")
        }
    }
}
