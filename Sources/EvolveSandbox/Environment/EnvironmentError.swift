/// The evaluator's environment could not be provided: the run stops before any evaluation.
public struct EnvironmentError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The path given as `environment.python` is not a Python environment.
        case invalid
        /// The base interpreter is missing, does not run, or cannot make virtual environments.
        case interpreterUnusable = "interpreter_unusable"
        /// pip could not install the requirements (a missing package, no network, a failed compile).
        case buildFailed = "build_failed"
        /// The cache folder could not be written.
        case cacheUnwritable = "cache_unwritable"
    }

    public var code: Code
    public var message: String
    /// The full log of a failed build.
    public var logFile: String?

    public init(_ code: Code, _ message: String, logFile: String? = nil) {
        self.code = code
        self.message = message
        self.logFile = logFile
    }

    public var description: String { message }
}
