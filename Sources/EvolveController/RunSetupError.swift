/// Why a run could not be assembled or started; the command line maps each code to an exit status.
public struct RunSetupError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The problem directory or its configuration is invalid.
        case invalidConfiguration = "invalid_configuration"
        /// The model server is unreachable or lacks the model.
        case modelUnavailable = "model_unavailable"
        /// The sandbox backend cannot run here.
        case sandboxUnavailable = "sandbox_unavailable"
        /// There is no run to resume.
        case nothingFound = "nothing_found"
        /// The run's directory or store could not be made.
        case store
        /// Another process is executing the run (it holds the run's lock).
        case inUse = "in_use"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
