import EvolveCore
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Virtual environments built from requirements files, one per (file content, interpreter), in
/// `$XDG_CACHE_HOME/evolve/envs/<hash>` (else `~/.cache/evolve/envs/<hash>`).
///
/// A build happens in a temporary folder beside the cache entry and is renamed into place only
/// once pip has finished, so an entry that exists is complete; two evolve processes that build
/// the same entry at once both succeed, and the second rename loses to the first. Each build's
/// full pip log stays in `<hash>.log`.
public struct EnvironmentCache: Sendable {
    public var directory: URL

    public init(directory: URL = EnvironmentCache.defaultDirectory()) {
        self.directory = directory
    }

    /// `$XDG_CACHE_HOME/evolve/envs`, else `~/.cache/evolve/envs`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let base: URL
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") {
            base = URL(fileURLWithPath: cache)
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            base = URL(fileURLWithPath: home).appendingPathComponent(".cache")
        }
        return base.appendingPathComponent("evolve/envs")
    }

    /// Format of an entry; a change that makes old entries unusable bumps it.
    static let format = "1"

    /// The environment for `requirements` on `interpreter`, built now if the cache has none.
    public func environment(
        requirements: URL, interpreter: String, progress: @escaping @Sendable (String) -> Void, logger: Logger
    ) async throws(EnvironmentError) -> EvaluatorEnvironment {
        let name = requirements.lastPathComponent
        guard let content = try? Data(contentsOf: requirements) else {
            throw EnvironmentError(.invalid, "cannot read the requirements file \(requirements.path)")
        }
        let base = try await Self.baseInterpreter(interpreter, logger: logger)
        let key = try await Self.key(requirements: content, interpreter: interpreter, version: base.version)
        let entry = directory.appendingPathComponent(key)
        let origin = "built from \(name)"
        if Self.isComplete(entry) {
            logger.debug("reusing the evaluator environment", metadata: ["environment.path": "\(entry.path)"])
            progress("evaluator environment: using \(entry.path) (\(origin), Python \(base.version))")
            return try await EvaluatorEnvironment.existing(at: entry, origin: origin, logger: logger)
        }
        let started = ContinuousClock.now
        try prepareDirectory()
        let staging = try makeStaging(key: key)
        // pip writes beside the staging folder; the log becomes `<key>.log` however the build ends,
        // so that a concurrent build of the same key never writes into this one's log.
        let log = BuildLog(writing: staging.appendingPathExtension("log"), kept: directory.appendingPathComponent(key + ".log"))
        defer {
            try? FileManager.default.removeItem(at: staging)
            _ = rename(log.writing.path, log.kept.path)
        }
        progress("evaluator environment: building from \(name) on \(interpreter) (Python \(base.version)); log: \(log.kept.path)")
        try await Self.create(at: staging, interpreter: interpreter, log: log)
        try await Self.install(requirements: requirements, into: staging, log: log, progress: progress)
        Self.rewriteScripts(in: staging, from: staging.path, to: entry.path)
        if rename(staging.path, entry.path) != 0 {
            // Another evolve finished the same build first: use its entry.
            guard Self.isComplete(entry) else {
                throw EnvironmentError(.cacheUnwritable, "could not move the built environment to \(entry.path): \(String(cString: strerror(errno)))")
            }
        }
        let seconds = String(format: "%.1f", started.duration(to: .now).inSeconds)
        progress("evaluator environment: ready in \(seconds) s at \(entry.path)")
        return try await EvaluatorEnvironment.existing(at: entry, origin: origin, logger: logger)
    }

    /// The cache key: SHA-256 (by the interpreter's hashlib) of the format, the interpreter's path
    /// and version, and the requirements' bytes.
    static func key(requirements: Data, interpreter: String, version: String) async throws(EnvironmentError) -> String {
        let header = "evolve-env \(format)\n\(interpreter)\n\(version)\n"
        let payload = (Data(header.utf8) + requirements).base64EncodedString()
        let script = "import base64, hashlib, sys; print(hashlib.sha256(base64.b64decode(sys.argv[1])).hexdigest()[:24])"
        let output = await Pip.capture(interpreter, ["-I", "-c", script, payload])
        let key = output.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard output.succeeded, key.count == 24, key.allSatisfy(\.isHexDigit) else {
            throw EnvironmentError(.interpreterUnusable, "\(interpreter) could not hash the requirements: \(key.prefix(200))")
        }
        return key
    }

    /// An entry is complete when it was renamed into place, which happens only after pip succeeded.
    static func isComplete(_ entry: URL) -> Bool {
        FileManager.default.isExecutableFile(atPath: entry.appendingPathComponent("bin/python3").path)
    }

    /// Makes the cache folder and sweeps builds whose evolve process is gone.
    func prepareDirectory() throws(EnvironmentError) {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw EnvironmentError(.cacheUnwritable, "cannot create the environment cache \(directory.path): \(error.localizedDescription)")
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] where name.hasPrefix(".building-") {
            let parts = name.split(separator: "-")
            guard parts.count >= 4, let pid = Int32(parts[2]), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    /// `.building-<key>-<pid>-<random>`: beside the entry, so that the final rename stays on one file system.
    func makeStaging(key: String) throws(EnvironmentError) -> URL {
        let staging = directory.appendingPathComponent(".building-\(key)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch {
            throw EnvironmentError(.cacheUnwritable, "cannot write in the environment cache \(directory.path): \(error.localizedDescription)")
        }
        _ = chmod(staging.path, 0o755)
        return staging
    }

    /// Checks that the base interpreter runs and can make virtual environments; returns its layout.
    static func baseInterpreter(_ interpreter: String, logger: Logger) async throws(EnvironmentError) -> InterpreterLayout {
        guard FileManager.default.isExecutableFile(atPath: interpreter) else {
            throw EnvironmentError(
                .interpreterUnusable,
                "the interpreter \(interpreter) for the evaluator environment is not installed (Debian: apt-get install python3 python3-venv), "
                    + "or set environment.interpreter")
        }
        let layout = try await InterpreterLayout.inspect(interpreter, logger: logger)
        let venv = await Pip.capture(interpreter, ["-I", "-c", "import ensurepip, venv"])
        guard venv.succeeded else {
            throw EnvironmentError(
                .interpreterUnusable,
                "\(interpreter) cannot make virtual environments (no ensurepip): install python3-venv (apt-get install python3-venv)")
        }
        return layout
    }

    /// `python -m venv --copies`: the environment holds its own interpreter binary, so that a
    /// sandbox needs only the base interpreter's standard library besides it.
    static func create(at staging: URL, interpreter: String, log: BuildLog) async throws(EnvironmentError) {
        let arguments = ["-I", "-m", "venv", "--copies", staging.path]
        let created = (try? await Pip.run(interpreter, arguments, workingDirectory: staging, log: log.writing) { _ in }) ?? false
        guard created, isComplete(staging) else {
            let last = PipFailure.lastError(inLog: log.writing) ?? "see the log"
            throw EnvironmentError(
                .interpreterUnusable, "could not create a virtual environment with \(interpreter): \(last); full log: \(log.kept.path)",
                logFile: log.kept.path)
        }
    }

    static func install(requirements: URL, into staging: URL, log: BuildLog, progress: @escaping @Sendable (String) -> Void) async throws(EnvironmentError) {
        let python = staging.appendingPathComponent("bin/python3").path
        let arguments = [
            "-I", "-m", "pip", "install", "--no-input", "--progress-bar", "off", "--retries", "2", "--timeout", "20",
            "-r", requirements.path,
        ]
        let succeeded: Bool
        do {
            succeeded = try await Pip.run(python, arguments, workingDirectory: requirements.deletingLastPathComponent(), log: log.writing) { line in
                progress("evaluator environment: pip: \(line)")
            }
        } catch {
            throw EnvironmentError(.buildFailed, "could not run pip: \(error); full log: \(log.kept.path)", logFile: log.kept.path)
        }
        guard succeeded else {
            let failure = PipFailure(log: (try? String(contentsOf: log.writing, encoding: .utf8)) ?? "")
            throw EnvironmentError(
                .buildFailed,
                "could not build the evaluator environment from \(requirements.lastPathComponent): \(failure.summary); full log: \(log.kept.path)",
                logFile: log.kept.path)
        }
    }

    /// Console scripts name their interpreter by absolute path: point them at the final entry.
    static func rewriteScripts(in staging: URL, from old: String, to new: String) {
        let bin = staging.appendingPathComponent("bin")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: bin.path)) ?? [] {
            let file = bin.appendingPathComponent(name)
            guard let data = try? Data(contentsOf: file), data.starts(with: Data("#!".utf8)),
                let text = String(data: data, encoding: .utf8), text.contains(old)
            else { continue }
            try? Data(text.replacingOccurrences(of: old, with: new).utf8).write(to: file)
        }
    }
}

/// The log of one build: written beside its staging folder, kept as `<key>.log`.
struct BuildLog {
    var writing: URL
    var kept: URL
}
