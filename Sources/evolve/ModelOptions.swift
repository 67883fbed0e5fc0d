import ArgumentParser
import EvolveController
import EvolveCore
import Logging

/// The model, sandbox and logging flags `evolve run` and `evolve experiment` share. A model flag
/// names one model and replaces an `llm.models` ensemble (see RunOverrides).
struct ModelOptions: ParsableArguments {
    @Option(help: "The model name (default: llm.model; for an experiment, the spec's model).")
    var model: String?

    @Option(name: .customLong("ollama-url"), help: "The Ollama server, e.g. http://localhost:11434.")
    var ollamaURL: String?

    @Option(name: .customLong("openai-url"), help: "An OpenAI-compatible server's base URL, e.g. http://localhost:8000/v1 (with llm.provider: openai).")
    var openAIURL: String?

    @Option(help: "The model API: \(LLMConfiguration.Provider.allCases.map(\.rawValue).joined(separator: ", ")) (default: llm.provider).")
    var provider: LLMConfiguration.Provider?

    @Option(help: "The sandbox backend: \(SandboxConfiguration.Backend.allCases.map(\.rawValue).joined(separator: ", ")) (default: sandbox.backend).")
    var sandbox: SandboxConfiguration.Backend?

    @Flag(name: .customLong("warm"), help: "Warm evaluators in the gVisor backend (sandbox.warm: true): the evaluator imported once per sandbox, each candidate forked into fresh namespaces.")
    var warm = false

    @Option(name: .customLong("log-level"), help: "Diagnostics on standard error: trace, debug, info, notice, warning, error.")
    var logLevel: Logger.Level = .warning

    /// Sends diagnostics at `--log-level` and above to standard error.
    func bootstrapLogging() {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
