import EvolveCore
import Foundation
import Logging

/// A Python environment the evaluator runs in: a virtual environment Evolve built from the
/// problem's requirements.txt, or one the user named. Every backend provides it read-only at its
/// host path, with its `bin` first on `PATH`, so that the evaluator command's `python3` is its
/// interpreter.
public struct EvaluatorEnvironment: Sendable, Hashable {
    /// The environment's prefix (a venv or conda prefix).
    public var root: URL
    /// Host paths bound read-only at the same path inside a sandbox: the prefix and what its
    /// interpreter needs (a venv's base interpreter and standard library).
    public var readOnlyPaths: [String]
    /// Variables set for the evaluator (`VIRTUAL_ENV` for a venv, `CONDA_PREFIX` for conda).
    public var variables: [String: String]
    /// Where it came from, for messages: "built from requirements.txt", "given as environment.python".
    public var origin: String

    public init(root: URL, readOnlyPaths: [String], variables: [String: String], origin: String) {
        self.root = root
        self.readOnlyPaths = readOnlyPaths
        self.variables = variables
        self.origin = origin
    }

    /// The folder put first on `PATH`.
    public var binDirectory: String { root.appendingPathComponent("bin").path }

    /// `PATH` for the evaluator: the environment's `bin`, then `rest`.
    public func searchPath(before rest: String) -> String { binDirectory + ":" + rest }

    /// The environment a problem asks for: built (or taken from the cache) from its requirements
    /// file, the one it names, or nil for the sandbox's own interpreters. A build shows its steps
    /// through `progress`, one line each. Throws an `EnvironmentError` that names the failing
    /// package and the full log when it cannot be built.
    public static func prepare(
        for problem: Problem, cache: EnvironmentCache = EnvironmentCache(), progress: @escaping @Sendable (String) -> Void = { _ in },
        logger: Logger
    ) async throws(EnvironmentError) -> EvaluatorEnvironment? {
        let configuration = problem.configuration.environment
        switch configuration.resolve(in: problem.directory) {
        case .system:
            return nil
        case .existing(let url):
            return try await existing(at: url, origin: "environment.python", logger: logger)
        case .requirements(let file, let interpreter):
            return try await cache.environment(requirements: file, interpreter: interpreter, progress: progress, logger: logger)
        }
    }

    /// An environment the user already has: a venv or conda prefix, or its interpreter's path.
    public static func existing(at url: URL, origin: String, logger: Logger) async throws(EnvironmentError) -> EvaluatorEnvironment {
        // One spelling of the path whatever the caller's URL says (no trailing slash), so that equal environments compare equal.
        var root = URL(filePath: url.standardizedFileURL.path, directoryHint: .notDirectory)
        if !FileManager.default.fileExists(atPath: root.appendingPathComponent("bin").path),
            root.deletingLastPathComponent().lastPathComponent == "bin"
        {
            root = URL(filePath: root.deletingLastPathComponent().deletingLastPathComponent().path, directoryHint: .notDirectory)  // .../env/bin/python → .../env
        }
        let interpreter = ["python3", "python"].map { root.appendingPathComponent("bin/\($0)").path }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let interpreter else {
            throw EnvironmentError(
                .invalid, "\(url.path) is not a Python environment: it has no bin/python3 (give a virtual environment or conda prefix)")
        }
        let layout = try await InterpreterLayout.inspect(interpreter, logger: logger)
        return EvaluatorEnvironment(root: root, layout: layout, origin: origin)
    }

    init(root: URL, layout: InterpreterLayout, origin: String) {
        let isVenv = FileManager.default.fileExists(atPath: root.appendingPathComponent("pyvenv.cfg").path)
        var variables: [String: String] = [:]
        if isVenv {
            variables["VIRTUAL_ENV"] = root.path
        } else if FileManager.default.fileExists(atPath: root.appendingPathComponent("conda-meta").path) {
            variables["CONDA_PREFIX"] = root.path
        }
        let paths = [root.path] + layout.neededPaths.filter { $0 != root.path && !$0.hasPrefix(root.path + "/") }
        self.init(root: root, readOnlyPaths: paths, variables: variables, origin: origin)
    }
}

/// What an environment's interpreter reads outside its own prefix, asked of the interpreter itself.
struct InterpreterLayout: Sendable, Hashable, Codable {
    var executable: String
    var basePrefix: String
    var stdlib: String
    var platstdlib: String
    var version: String

    static let script = """
        import json, os, sys, sysconfig
        print(json.dumps({"executable": os.path.realpath(sys.executable), "basePrefix": sys.base_prefix,
            "stdlib": sysconfig.get_path("stdlib"), "platstdlib": sysconfig.get_path("platstdlib"),
            "version": sys.version.split()[0]}))
        """

    /// Host paths the interpreter needs besides its prefix. An interpreter from /usr needs its
    /// binary and standard library (the gVisor sandbox binds all of /usr anyway); one from
    /// elsewhere (pyenv, a conda base) needs its whole base prefix, shared libraries included.
    var neededPaths: [String] {
        if basePrefix == "/usr" || basePrefix.hasPrefix("/usr/") {
            return Array(Set([executable, stdlib, platstdlib])).sorted()
        }
        return [basePrefix, executable].filter { !$0.hasPrefix(basePrefix + "/") || $0 == basePrefix }
    }

    static func inspect(_ interpreter: String, logger: Logger) async throws(EnvironmentError) -> InterpreterLayout {
        let output = await Pip.capture(interpreter, ["-I", "-c", script])
        guard output.succeeded, let line = output.text.split(separator: "\n").last,
            let layout = try? JSONDecoder().decode(InterpreterLayout.self, from: Data(line.utf8))
        else {
            throw EnvironmentError(
                .interpreterUnusable, "the interpreter \(interpreter) does not run: \(output.text.split(separator: "\n").last.map(String.init) ?? "no output")")
        }
        logger.debug("interpreter layout", metadata: ["environment.interpreter": "\(interpreter)", "environment.base": "\(layout.basePrefix)"])
        return layout
    }
}
