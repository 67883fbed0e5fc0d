import Foundation

/// The contents of a problem's `evolve.yaml`. Every key has a default; see the README reference.
public struct ProblemConfiguration: Sendable, Hashable, Codable {
    /// What the program must do, in the problem's own words; it opens the system prompt.
    public var description: String
    /// The starting program, relative to the problem directory: a file, or a folder whose files
    /// are evolved together (a multi-file program; see `files`).
    public var program: String
    /// For a multi-file program: which files may change or be created.
    public var files: FilePolicy
    /// The language name used for code fences in prompts.
    public var language: String
    public var goal: Goal
    public var evaluator: EvaluatorConfiguration
    public var llm: LLMConfiguration
    public var search: SearchConfiguration
    public var sandbox: SandboxConfiguration
    /// The evaluator's interpreter: a built or existing Python environment (see `EnvironmentConfiguration`).
    public var environment: EnvironmentConfiguration

    public init(
        description: String = "Improve the program so that it scores higher.",
        program: String = "initial_program.py",
        files: FilePolicy = FilePolicy(),
        language: String? = nil,
        goal: Goal = Goal(),
        evaluator: EvaluatorConfiguration = EvaluatorConfiguration(),
        llm: LLMConfiguration = LLMConfiguration(),
        search: SearchConfiguration = SearchConfiguration(),
        sandbox: SandboxConfiguration = SandboxConfiguration(),
        environment: EnvironmentConfiguration = EnvironmentConfiguration()
    ) {
        self.description = description
        self.program = program
        self.files = files
        self.language = language ?? Self.language(forFile: program)
        self.goal = goal
        self.evaluator = evaluator
        self.llm = llm
        self.search = search
        self.sandbox = sandbox
        self.environment = environment
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case description, program, files, language, goal, evaluator, llm, search, sandbox, environment
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        let defaults = ProblemConfiguration()
        let program = try c.value(.program, default: defaults.program)
        try c.require(!program.isEmpty, .program, "the program file name is empty")
        self.init(
            description: try c.value(.description, default: defaults.description),
            program: program,
            files: try c.value(.files, default: defaults.files),
            language: try c.decodeIfPresent(String.self, forKey: .language),
            goal: try c.value(.goal, default: defaults.goal),
            evaluator: try c.value(.evaluator, default: defaults.evaluator),
            llm: try c.value(.llm, default: defaults.llm),
            search: try c.value(.search, default: defaults.search),
            sandbox: try c.value(.sandbox, default: defaults.sandbox),
            environment: try c.value(.environment, default: defaults.environment)
        )
    }

    /// The answer form asked of the model: `search.mode` if set; else whole rewrites for the small
    /// bundled model (measured: its rewrites applied 10 times in 10, its SEARCH/REPLACE blocks 3 in
    /// 10) and SEARCH/REPLACE diffs for the rest.
    public var mode: Mutation.Mode {
        search.mode ?? (llm.provider == .bundled ? .rewrite : .diff)
    }

    /// How many more times an iteration asks after a rejected answer: `llm.retries` if set; else
    /// none for the small bundled model (measured over its 493 recorded calls: a retry became an
    /// improvement 4 times in 149, 2.7%, against 10.2% for a first attempt, and repeated the same
    /// rejection 76-100% of the time) and 2 for the rest.
    public var answerRetries: Int {
        llm.retries ?? (llm.provider == .bundled ? 0 : 2)
    }

    public static func language(forFile name: String) -> String {
        switch (name as NSString).pathExtension.lowercased() {
        case "py": return "python"
        case "swift": return "swift"
        case "c", "h": return "c"
        case "cc", "cpp", "hpp": return "cpp"
        case "rs": return "rust"
        case "js": return "javascript"
        case "ts": return "typescript"
        case "go": return "go"
        case "jl": return "julia"
        case "sh": return "bash"
        default: return ""
        }
    }
}

extension Goal {
    enum CodingKeys: String, CodingKey, CaseIterable { case direction, target }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        let target = try c.decodeIfPresent(Double.self, forKey: .target)
        try c.require(target?.isFinite ?? true, .target, "the target must be a finite number")
        self.init(direction: try c.value(.direction, default: .maximize), target: target)
    }
}

/// The language model that proposes changes.
public struct LLMConfiguration: Sendable, Hashable, Codable {
    public enum Provider: String, Sendable, Hashable, Codable, CaseIterable { case ollama, openai, bundled }

    public static let defaultModel = "gemma4:26b-a4b-it-q4_K_M"
    public static let defaultOllamaURL = "http://localhost:11434"

    public var provider: Provider
    /// The server address; nil means "not set here" so that `OLLAMA_HOST` can apply.
    public var url: String?
    public var model: String
    public var temperature: Double
    public var topP: Double?
    public var seed: Int?
    /// Context window in tokens (Ollama's `num_ctx`).
    public var contextLength: Int
    /// Most tokens to generate per answer (Ollama's `num_predict`).
    public var maxTokens: Int
    /// Seconds allowed for one model request.
    public var timeout: Double
    public var stream: Bool
    /// Model requests in flight at once.
    public var concurrency: Int
    /// How many more times to ask when an answer is malformed or its diff is rejected (the reasons
    /// go back to the model); nil chooses per model (see `ProblemConfiguration.answerRetries`).
    public var retries: Int?
    /// How many more times to send a request that failed in a way that may pass (connection error,
    /// timeout, 5xx, 429, cut-off answer), with exponential backoff and jitter.
    public var requestRetries: Int
    /// Seconds a streamed answer may go without data before the request counts as stalled.
    public var stallTimeout: Double
    /// The environment variable that holds the API key of an OpenAI-compatible server.
    public var apiKeyEnv: String
    /// An ensemble: when given, these models are used instead of `provider`/`url`/`model`.
    public var models: [EnsembleMemberConfiguration]
    /// Move ensemble weight toward models whose children improve on their parents.
    public var bandit: Bool
    /// Stop the run once the answers' cost (from the members' prices) reaches this.
    public var costBudget: Double?
    /// A directory (relative to the problem directory, or absolute) where every request and answer is recorded.
    public var record: String?
    /// A directory of recorded answers to serve instead of asking the model.
    public var replay: String?
    /// With `replay`: send requests that were not recorded to the live model instead of failing.
    public var replayFallthrough: Bool

    public init(
        provider: Provider = .ollama, url: String? = nil, model: String = LLMConfiguration.defaultModel,
        temperature: Double = 0.7, topP: Double? = nil, seed: Int? = nil, contextLength: Int = 8192,
        maxTokens: Int = 2048, timeout: Double = 300, stream: Bool = true, concurrency: Int = 2, retries: Int? = nil,
        requestRetries: Int = 3, stallTimeout: Double = 60, apiKeyEnv: String = "OPENAI_API_KEY",
        models: [EnsembleMemberConfiguration] = [], bandit: Bool = false, costBudget: Double? = nil,
        record: String? = nil, replay: String? = nil, replayFallthrough: Bool = false
    ) {
        self.record = record
        self.replay = replay
        self.replayFallthrough = replayFallthrough
        self.models = models
        self.bandit = bandit
        self.costBudget = costBudget
        self.requestRetries = requestRetries
        self.stallTimeout = stallTimeout
        self.apiKeyEnv = apiKeyEnv
        self.provider = provider
        self.url = url
        self.model = model
        self.temperature = temperature
        self.topP = topP
        self.seed = seed
        self.contextLength = contextLength
        self.maxTokens = maxTokens
        self.timeout = timeout
        self.stream = stream
        self.concurrency = concurrency
        self.retries = retries
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case provider, url, model, temperature, seed, stream, concurrency, retries, timeout
        case topP = "top_p"
        case contextLength = "context_length"
        case maxTokens = "max_tokens"
        case requestRetries = "request_retries"
        case stallTimeout = "stall_timeout"
        case apiKeyEnv = "api_key_env"
        case models, bandit
        case costBudget = "cost_budget"
        case record, replay
        case replayFallthrough = "replay_fallthrough"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        let d = LLMConfiguration()
        self.init(
            provider: try c.value(.provider, default: d.provider),
            url: try c.decodeIfPresent(String.self, forKey: .url),
            model: try c.value(.model, default: d.model),
            temperature: try c.value(.temperature, default: d.temperature),
            topP: try c.decodeIfPresent(Double.self, forKey: .topP),
            seed: try c.decodeIfPresent(Int.self, forKey: .seed),
            contextLength: try c.value(.contextLength, default: d.contextLength),
            maxTokens: try c.value(.maxTokens, default: d.maxTokens),
            timeout: try c.value(.timeout, default: d.timeout),
            stream: try c.value(.stream, default: d.stream),
            concurrency: try c.value(.concurrency, default: d.concurrency),
            retries: try c.decodeIfPresent(Int.self, forKey: .retries),
            requestRetries: try c.value(.requestRetries, default: d.requestRetries),
            stallTimeout: try c.value(.stallTimeout, default: d.stallTimeout),
            apiKeyEnv: try c.value(.apiKeyEnv, default: d.apiKeyEnv),
            models: try c.value(.models, default: []),
            bandit: try c.value(.bandit, default: false),
            costBudget: try c.decodeIfPresent(Double.self, forKey: .costBudget),
            record: try c.decodeIfPresent(String.self, forKey: .record),
            replay: try c.decodeIfPresent(String.self, forKey: .replay),
            replayFallthrough: try c.value(.replayFallthrough, default: false)
        )
        try c.require(!(record ?? "x").isEmpty, .record, "record must name a directory")
        try c.require(!(replay ?? "x").isEmpty, .replay, "replay must name a directory")
        try c.require(!replayFallthrough || replay != nil, .replayFallthrough, "replay_fallthrough needs llm.replay")
        try c.require((costBudget ?? 1) > 0, .costBudget, "cost_budget must be positive")
        try c.require(!model.isEmpty, .model, "the model name is empty")
        try c.require((0...5).contains(temperature), .temperature, "the temperature must be between 0 and 5")
        try c.require(contextLength >= 256, .contextLength, "the context length must be at least 256 tokens")
        try c.require(maxTokens >= 16, .maxTokens, "max_tokens must be at least 16")
        try c.require(timeout > 0, .timeout, "the timeout must be a positive number of seconds")
        try c.require(concurrency >= 1, .concurrency, "the concurrency must be at least 1")
        try c.require((retries ?? 0) >= 0, .retries, "retries cannot be negative")
        try c.require(requestRetries >= 0, .requestRetries, "request_retries cannot be negative")
        try c.require(stallTimeout > 0, .stallTimeout, "stall_timeout must be a positive number of seconds")
        try c.require(!apiKeyEnv.isEmpty, .apiKeyEnv, "api_key_env must name an environment variable")
        if let url { try c.require(URL(string: url)?.host != nil, .url, "`\(url)` is not a URL such as http://localhost:11434") }
    }
}

/// One model of an ensemble (`llm.models`).
public struct EnsembleMemberConfiguration: Sendable, Hashable, Codable {
    public var model: String
    public var provider: LLMConfiguration.Provider
    public var url: String?
    /// Relative share of requests.
    public var weight: Double
    /// Requests in flight at once to this model's endpoint.
    public var concurrency: Int?
    /// Prices per million prompt and completion tokens, for cost accounting.
    public var inputPrice: Double
    public var outputPrice: Double
    public var apiKeyEnv: String?

    public init(
        model: String, provider: LLMConfiguration.Provider = .ollama, url: String? = nil, weight: Double = 1, concurrency: Int? = nil,
        inputPrice: Double = 0, outputPrice: Double = 0, apiKeyEnv: String? = nil
    ) {
        self.model = model
        self.provider = provider
        self.url = url
        self.weight = weight
        self.concurrency = concurrency
        self.inputPrice = inputPrice
        self.outputPrice = outputPrice
        self.apiKeyEnv = apiKeyEnv
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case model, provider, url, weight, concurrency
        case inputPrice = "input_price"
        case outputPrice = "output_price"
        case apiKeyEnv = "api_key_env"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        guard c.contains(.model) else {
            throw DecodingError.keyNotFound(CodingKeys.model, .init(codingPath: c.codingPath, debugDescription: "each ensemble member needs a model"))
        }
        self.init(
            model: try c.decode(String.self, forKey: .model), provider: try c.value(.provider, default: .ollama),
            url: try c.decodeIfPresent(String.self, forKey: .url), weight: try c.value(.weight, default: 1),
            concurrency: try c.decodeIfPresent(Int.self, forKey: .concurrency), inputPrice: try c.value(.inputPrice, default: 0),
            outputPrice: try c.value(.outputPrice, default: 0), apiKeyEnv: try c.decodeIfPresent(String.self, forKey: .apiKeyEnv))
        try c.require(weight > 0, .weight, "the weight must be positive")
        try c.require((concurrency ?? 1) >= 1, .concurrency, "the concurrency must be at least 1")
        try c.require(inputPrice >= 0 && outputPrice >= 0, .inputPrice, "prices cannot be negative")
        try c.require(provider != .bundled, .provider, "the bundled model cannot be an ensemble member")
    }
}

/// How the archive is searched.
public struct SearchConfiguration: Sendable, Hashable, Codable {
    /// How parents are chosen (see docs/search.md, "Search strategies").
    public enum Strategy: String, Sendable, Hashable, Codable, CaseIterable {
        /// MAP-Elites grids on islands with ring migration.
        case mapElites = "map_elites"
        /// Baseline: every child is a mutation of the starting program.
        case random
        /// Baseline: every child is a mutation of the best program so far.
        case greedy
        /// Sigmoid-scaled score divided by (1 + children), over the whole archive.
        case weighted
        /// Islands without migration, the weaker half reseeded periodically; softmax over score clusters.
        case funsearch
    }

    public var strategy: Strategy
    /// Model iterations (children proposed) before the run stops.
    public var iterations: Int
    /// The answer form asked of the model; nil chooses per model (see `ProblemConfiguration.mode`).
    public var mode: Mutation.Mode?
    public var islands: Int
    /// Every this many new programs, each island's best program moves to the next island (a ring).
    public var migrationInterval: Int
    /// Share of samples whose parent is the island's best program.
    public var exploitation: Double
    /// Share of samples whose parent is drawn in proportion to fitness among the island's elites.
    /// The rest (1 − exploitation − fitness) explores: a uniformly chosen under-visited cell.
    public var fitnessProportional: Double
    /// The MAP-Elites feature dimensions: `length`, `nesting`, `eval_time`, or a key of the evaluator's `features`.
    public var features: [String]
    /// Bins per feature dimension.
    public var bins: Int
    /// Fixed `[low, high]` ranges per feature; features not listed adapt to the values seen.
    public var featureRanges: [String: [Double]]
    /// Best programs shown in each prompt.
    public var topPrograms: Int
    /// Programs from other cells shown in each prompt, for diversity.
    public var inspirations: Int
    /// Show other programs (best, inspirations, other islands) even when they score no better
    /// than the parent. Off: the bundled model copied what its prompt showed (40 of 48 duplicate
    /// answers reproduced a shown program; 44 of 59 shown programs scored below the parent).
    public var showWorsePrograms: Bool
    /// Seed for the sampler's random choices.
    public var seed: UInt64
    /// Children longer than this many characters are rejected before evaluation.
    public var maxCodeLength: Int
    /// `weighted`'s settings.
    public var weighted: Weighted
    /// `funsearch`'s settings.
    public var funsearch: FunSearch
    /// Island strategies: a new island, seeded with the best program, after this many children
    /// without a new best; nil never adds islands.
    public var spawnAfter: Int?
    /// The most islands `spawn_after` may grow the search to (in evolve.yaml, at least `islands` unless given).
    public var maxIslands: Int
    /// A child becomes a parent candidate only if it beats its parent by at least this much; nil accepts every scored child.
    public var acceptDelta: Double?
    /// The share of diff, rewrite and crossover iterations; nil: every iteration uses `mode`.
    public var mutations: MutationMix?
    /// Evolving the prompt's instructions; nil: off.
    public var metaPrompt: MetaPromptConfiguration?
    /// Children too similar to a program on their island are not evaluated (`search.novelty`).
    public var novelty: NoveltyConfiguration
    /// How a SEARCH part that is not found exactly may still be placed (`search.diff_match`).
    public var diffMatch: DiffMatching

    public init(
        iterations: Int = 100, mode: Mutation.Mode? = nil, islands: Int = 2, migrationInterval: Int = 25,
        exploitation: Double = 0.6, fitnessProportional: Double = 0.25, features: [String] = ["length", "nesting"],
        bins: Int = 8, featureRanges: [String: [Double]] = [:], topPrograms: Int = 3, inspirations: Int = 2,
        showWorsePrograms: Bool = false, seed: UInt64 = 42, maxCodeLength: Int = 40_000, strategy: Strategy = .mapElites,
        weighted: Weighted = Weighted(), funsearch: FunSearch = FunSearch(), spawnAfter: Int? = nil, maxIslands: Int = 8,
        acceptDelta: Double? = nil, novelty: NoveltyConfiguration = NoveltyConfiguration(), diffMatch: DiffMatching = DiffMatching()
    ) {
        self.novelty = novelty
        self.diffMatch = diffMatch
        self.weighted = weighted
        self.funsearch = funsearch
        self.spawnAfter = spawnAfter
        self.maxIslands = maxIslands
        self.acceptDelta = acceptDelta
        self.strategy = strategy
        self.iterations = iterations
        self.mode = mode
        self.islands = islands
        self.migrationInterval = migrationInterval
        self.exploitation = exploitation
        self.fitnessProportional = fitnessProportional
        self.features = features
        self.bins = bins
        self.featureRanges = featureRanges
        self.topPrograms = topPrograms
        self.inspirations = inspirations
        self.showWorsePrograms = showWorsePrograms
        self.seed = seed
        self.maxCodeLength = maxCodeLength
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case strategy, iterations, mode, islands, exploitation, features, bins, inspirations, seed
        case migrationInterval = "migration_interval"
        case fitnessProportional = "fitness_proportional"
        case featureRanges = "feature_ranges"
        case topPrograms = "top_programs"
        case showWorsePrograms = "show_worse_programs"
        case maxCodeLength = "max_code_length"
        case weighted, funsearch
        case spawnAfter = "spawn_after"
        case maxIslands = "max_islands"
        case acceptDelta = "accept_delta"
        case mutations
        case metaPrompt = "meta_prompt"
        case novelty
        case diffMatch = "diff_match"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        let d = SearchConfiguration()
        let islands = try c.value(.islands, default: d.islands)
        self.init(
            iterations: try c.value(.iterations, default: d.iterations),
            mode: try c.decodeIfPresent(Mutation.Mode.self, forKey: .mode),
            islands: islands,
            migrationInterval: try c.value(.migrationInterval, default: d.migrationInterval),
            exploitation: try c.value(.exploitation, default: d.exploitation),
            fitnessProportional: try c.value(.fitnessProportional, default: d.fitnessProportional),
            features: try c.value(.features, default: d.features),
            bins: try c.value(.bins, default: d.bins),
            featureRanges: try c.value(.featureRanges, default: d.featureRanges),
            topPrograms: try c.value(.topPrograms, default: d.topPrograms),
            inspirations: try c.value(.inspirations, default: d.inspirations),
            showWorsePrograms: try c.value(.showWorsePrograms, default: d.showWorsePrograms),
            seed: try c.value(.seed, default: d.seed),
            maxCodeLength: try c.value(.maxCodeLength, default: d.maxCodeLength),
            strategy: try c.value(.strategy, default: d.strategy),
            weighted: try c.value(.weighted, default: d.weighted),
            funsearch: try c.value(.funsearch, default: d.funsearch),
            spawnAfter: try c.decodeIfPresent(Int.self, forKey: .spawnAfter),
            maxIslands: try c.value(.maxIslands, default: max(d.maxIslands, islands)),
            acceptDelta: try c.decodeIfPresent(Double.self, forKey: .acceptDelta),
            novelty: try c.value(.novelty, default: d.novelty),
            diffMatch: try c.value(.diffMatch, default: d.diffMatch)
        )
        mutations = try c.decodeIfPresent(MutationMix.self, forKey: .mutations)
        metaPrompt = try c.decodeIfPresent(MetaPromptConfiguration.self, forKey: .metaPrompt)
        try c.require((spawnAfter ?? 1) >= 1, .spawnAfter, "spawn_after must be at least 1")
        try c.require(
            spawnAfter == nil || strategy.hasIslands, .spawnAfter,
            "spawn_after adds islands, and `\(strategy.rawValue)` keeps none: use it with map_elites or funsearch")
        try c.require(maxIslands >= islands, .maxIslands, "max_islands must be at least `islands` (\(islands))")
        try c.require(acceptDelta.map { $0.isFinite && $0 >= 0 } ?? true, .acceptDelta, "accept_delta must be a number of at least 0")
        try c.require(iterations >= 0, .iterations, "iterations cannot be negative")
        try c.require(islands >= 1, .islands, "there must be at least one island")
        try c.require(migrationInterval >= 1, .migrationInterval, "the migration interval must be at least 1")
        try c.require((0...1).contains(exploitation), .exploitation, "exploitation must be between 0 and 1")
        try c.require((0...1).contains(fitnessProportional), .fitnessProportional, "fitness_proportional must be between 0 and 1")
        try c.require(exploitation + fitnessProportional <= 1.000001, .fitnessProportional, "exploitation + fitness_proportional must not exceed 1")
        try c.require((1...64).contains(bins), .bins, "bins must be between 1 and 64")
        try c.require(features.count <= 4, .features, "at most 4 feature dimensions are supported")
        let repeated = features.enumerated().first { index, name in features[..<index].contains(name) }?.element
        try c.require(repeated == nil, .features, "`\(repeated ?? "")` is named twice; each feature dimension may appear once")
        try c.require(topPrograms >= 0, .topPrograms, "top_programs cannot be negative")
        try c.require(inspirations >= 0, .inspirations, "inspirations cannot be negative")
        try c.require(maxCodeLength >= 100, .maxCodeLength, "max_code_length must be at least 100")
        for (name, range) in featureRanges {
            try c.require(range.count == 2 && range[0] < range[1], .featureRanges, "the range of `\(name)` must be [low, high] with low < high")
        }
    }
}
