import EvolveCore
import Foundation

/// What the command line may change in a problem's configuration, and where the run is kept.
///
/// Flags win over the problem's file. `provider`, `model`, `ollamaURL` and `openAIURL` name one
/// model: when any of them is given and the file has an `llm.models` ensemble, the flags'
/// single model replaces the ensemble (and the start-up notice says so), so that a user can try
/// any problem on their own model without editing its file.
public struct RunOverrides: Sendable, Hashable {
    public var iterations: Int?
    public var target: Double?
    public var model: String?
    public var provider: LLMConfiguration.Provider?
    public var ollamaURL: String?
    public var openAIURL: String?
    public var sandbox: SandboxConfiguration.Backend?
    /// `--warm`: warm evaluators (`sandbox.warm: true`), e.g. for an OpenEvolve directory, which has no evolve.yaml.
    public var warm = false
    public var modelConcurrency: Int?
    public var evaluationConcurrency: Int?
    /// Continue the latest run (or the one in `runDirectory`) instead of starting a new one.
    public var resume: Bool
    /// Where to keep the run; nil means `DIR/runs/<start time>`.
    public var runDirectory: String?
    /// The configuration file, when not DIR/evolve.yaml or DIR/config.yaml (an OpenEvolve config or an evolve.yaml).
    public var configurationFile: String?
    /// Limits on model calls, tokens, cost, evaluator seconds and wall clock (experiments set them).
    public var budget: RunBudget?

    public init(
        iterations: Int? = nil, target: Double? = nil, model: String? = nil, provider: LLMConfiguration.Provider? = nil,
        ollamaURL: String? = nil, openAIURL: String? = nil, sandbox: SandboxConfiguration.Backend? = nil,
        modelConcurrency: Int? = nil, evaluationConcurrency: Int? = nil, resume: Bool = false, runDirectory: String? = nil,
        configurationFile: String? = nil
    ) {
        self.configurationFile = configurationFile
        self.iterations = iterations
        self.target = target
        self.model = model
        self.provider = provider
        self.ollamaURL = ollamaURL
        self.openAIURL = openAIURL
        self.sandbox = sandbox
        self.modelConcurrency = modelConcurrency
        self.evaluationConcurrency = evaluationConcurrency
        self.resume = resume
        self.runDirectory = runDirectory
    }

    /// True when the flags name a model or a server.
    public var namesModel: Bool { provider != nil || model != nil || ollamaURL != nil || openAIURL != nil }

    /// Applies the flags to a configuration (the server flags are applied when the client is made,
    /// since they outrank OLLAMA_HOST and OPENAI_BASE_URL, which outrank the file); returns notices for the user (e.g. an ensemble replaced).
    @discardableResult
    public func apply(to configuration: inout ProblemConfiguration) -> [String] {
        var notices: [String] = []
        if let iterations { configuration.search.iterations = iterations }
        if let target { configuration.goal.target = target }
        if namesModel, !configuration.llm.models.isEmpty {
            notices.append(
                "the model given on the command line replaces the \(configuration.llm.models.count) models of llm.models")
            configuration.llm.models = []
            configuration.llm.bandit = false
        }
        if let provider {
            configuration.llm.provider = provider
        } else if openAIURL != nil {
            configuration.llm.provider = .openai
        } else if ollamaURL != nil {
            configuration.llm.provider = .ollama
        }
        if let model { configuration.llm.model = model }
        if let sandbox { configuration.sandbox.backend = sandbox }
        if warm { configuration.sandbox.warm = true }
        if let modelConcurrency { configuration.llm.concurrency = modelConcurrency }
        if let evaluationConcurrency { configuration.sandbox.concurrency = evaluationConcurrency }
        if configuration.llm.provider == .bundled {
            configuration.llm.concurrency = 1  // the bundled server answers one request at a time
        }
        return notices
    }
}
