import EvolveCore
import Foundation
import Testing

/// OpenEvolve problem directories (config.yaml, evaluator.py, initial_program.*) load without
/// editing a file: the keys with an Evolve meaning map, the rest are named in one warning.
@Suite("OpenEvolve config.yaml")
struct OpenEvolveConfigurationTests {
    static let program = "# EVOLVE-BLOCK-START\nVALUE = 1\n# EVOLVE-BLOCK-END\n"
    static let twoStages = "def evaluate(p):\n    return {}\n\ndef evaluate_stage1(p):\n    return {}\n\ndef evaluate_stage2(p):\n    return {}\n"

    /// The shape of OpenEvolve's circle_packing_with_artifacts/config.yaml, keys it has no use for included.
    static let full = """
        max_iterations: 500
        checkpoint_interval: 10
        log_level: "INFO"
        random_seed: 42
        diff_based_evolution: false
        max_code_length: 50000
        llm:
          api_base: "https://openrouter.ai/api/v1"
          api_key: ${OPENROUTER_API_KEY}
          models:
            - name: "google/gemini-2.5-flash-lite"
              weight: 0.8
            - name: "google/gemini-2.5-flash"
              weight: 0.2
          temperature: 0.4
          top_p: 0.95
          max_tokens: 16000
          timeout: 180
          retries: 3
        prompt:
          system_message: |
            You are an expert mathematician.
            Improve the packing.
          num_top_programs: 4
          num_diverse_programs: 1
          include_artifacts: true
          max_artifact_bytes: 20480
        database:
          population_size: 100
          num_islands: 4
          feature_dimensions: ["radius_variance", "spatial_spread"]
          feature_bins: 10
          migration_interval: 10
          migration_rate: 0.15
        evaluator:
          timeout: 600
          max_retries: 3
          cascade_evaluation: true
          cascade_thresholds: [0.5, 0.8]
          parallel_evaluations: 3
        novelty:
          enabled: true
          similarity_threshold: 0.95
        """

    static func directory(_ files: [String: String]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-openevolve-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return url
    }

    static func load(_ yaml: String?, evaluator: String = twoStages, extra: [String: String] = [:]) throws -> Problem {
        var files = ["evaluator.py": evaluator, "initial_program.py": program].merging(extra) { _, new in new }
        if let yaml { files["config.yaml"] = yaml }
        let url = try directory(files)
        defer { try? FileManager.default.removeItem(at: url) }
        return try Problem.load(from: url)
    }

    @Test("every key with an Evolve meaning maps; the others are named in one warning line")
    func mapsKeys() throws {
        let problem = try Self.load(Self.full)
        let c = problem.configuration
        #expect(c.program == "initial_program.py" && c.language == "python")
        #expect(c.search.iterations == 500 && c.search.seed == 42 && c.search.mode == .rewrite && c.search.maxCodeLength == 50000)
        #expect(c.llm.provider == .openai && c.llm.url == "https://openrouter.ai/api/v1" && c.llm.apiKeyEnv == "OPENROUTER_API_KEY")
        #expect(c.llm.models.map(\.model) == ["google/gemini-2.5-flash-lite", "google/gemini-2.5-flash"])
        #expect(c.llm.models.map(\.weight) == [0.8, 0.2])
        #expect(c.llm.models.allSatisfy { $0.provider == .openai && $0.url == "https://openrouter.ai/api/v1" })
        #expect(c.llm.temperature == 0.4 && c.llm.topP == 0.95 && c.llm.maxTokens == 16000 && c.llm.timeout == 180 && c.llm.requestRetries == 3)
        #expect(c.description == "You are an expert mathematician.\nImprove the packing.")
        #expect(c.search.topPrograms == 4 && c.search.inspirations == 1)
        #expect(c.search.islands == 4 && c.search.migrationInterval == 10)
        #expect(c.search.features == ["radius_variance", "spatial_spread"] && c.search.bins == 10)
        let bridge = try #require(c.evaluator.openEvolve)
        #expect(bridge.cascade && bridge.thresholds == [0.5, 0.8] && bridge.maxArtifactBytes == 20480)
        #expect(bridge.featureDimensions == ["radius_variance", "spatial_spread"])
        // evaluator.timeout is per call; the evaluator has two stages, so the wall clock covers both.
        #expect(c.sandbox.timeout == 1200 && c.sandbox.cpuSeconds >= 1200 && c.sandbox.concurrency == 3)
        let origin = try #require(problem.openEvolve)
        #expect(origin.modelsFromFile && origin.stageTimeout == 600 && origin.stages == 2)
        #expect(
            origin.ignoredKeys == [
                "checkpoint_interval", "log_level", "prompt.include_artifacts", "database.population_size",
                "database.migration_rate", "evaluator.max_retries", "novelty",
            ])
        let warning = try #require(origin.warning)
        #expect(!warning.contains("\n") && warning.hasPrefix("config.yaml: Evolve does not act on these keys: checkpoint_interval"))
    }

    @Test("primary and secondary models with weights (the secondary's default 0.2), and api_key: ${VAR}")
    func primaryAndSecondary() throws {
        let problem = try Self.load("""
            llm:
              primary_model: "gemini-2.5-flash-lite"
              primary_model_weight: 0.8
              secondary_model: "gemini-2.5-flash"
              api_base: "https://generativelanguage.googleapis.com/v1beta/openai/"
              api_key: "${GEMINI_API_KEY}"
            evaluator:
              cascade_evaluation: false
              timeout: 60
            """)
        let llm = problem.configuration.llm
        #expect(llm.models.map(\.model) == ["gemini-2.5-flash-lite", "gemini-2.5-flash"] && llm.models.map(\.weight) == [0.8, 0.2])
        #expect(llm.apiKeyEnv == "GEMINI_API_KEY" && llm.model == "gemini-2.5-flash-lite")
        // With the cascade off only evaluate() runs: one call's timeout.
        #expect(problem.configuration.sandbox.timeout == 60 && problem.openEvolve?.stages == 1)
    }

    @Test("--provider, --model and --openai-url replace the models the file names")
    func flagsReplaceFileModels() throws {
        var problem = try Self.load(Self.full)
        problem.configuration.llm.provider = .ollama
        problem.dropFileModels(provider: .ollama, model: nil, openAIURL: nil)
        #expect(problem.configuration.llm.models.isEmpty && problem.configuration.llm.url == nil)
        #expect(problem.configuration.llm.model == LLMConfiguration.defaultModel)

        var local = try Self.load(Self.full)
        local.configuration.llm.model = "qwen2.5-coder"
        local.dropFileModels(provider: nil, model: "qwen2.5-coder", openAIURL: "http://127.0.0.1:8000/v1")
        #expect(local.configuration.llm.models.isEmpty && local.configuration.llm.provider == .openai)
        #expect(local.configuration.llm.model == "qwen2.5-coder")

        var untouched = try Self.load(Self.full)
        untouched.dropFileModels(provider: nil, model: nil, openAIURL: nil)
        #expect(untouched.configuration.llm.models.count == 2)
    }

    @Test("without a config.yaml, OpenEvolve's evaluator defaults apply: 300 s per call, the cascade on at 0.5, 0.75, 0.9")
    func noConfigurationFile() throws {
        let problem = try Self.load(nil, evaluator: "def evaluate(path):\n    return {'combined_score': 1.0}\n")
        #expect(problem.openEvolve?.file == nil && problem.openEvolve?.ignoredKeys == [])
        #expect(problem.configuration.sandbox.timeout == 300)
        #expect(problem.configuration.evaluator.openEvolve == OpenEvolveEvaluatorConfiguration())
        #expect(problem.configuration.search.features == ["length", "nesting"])
    }

    @Test("--config picks another OpenEvolve file (config_phase_1.yaml); an evolve.yaml beside config.yaml wins")
    func choosingTheFile() throws {
        let url = try Self.directory([
            "evaluator.py": Self.twoStages, "initial_program.py": Self.program,
            "config_phase_1.yaml": "max_iterations: 7\nevaluator:\n  timeout: 5\n",
        ])
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: ConfigurationError.self) { try Problem.load(from: url.appendingPathComponent("missing")) }
        let phase = try Problem.load(from: url, configurationFile: url.appendingPathComponent("config_phase_1.yaml"))
        #expect(phase.configuration.search.iterations == 7 && phase.configuration.sandbox.timeout == 10)
        #expect(phase.openEvolve?.file?.hasSuffix("config_phase_1.yaml") == true)
        try "evaluator:\n  command: python3 evaluator.py {program}\n".write(to: url.appendingPathComponent("evolve.yaml"), atomically: true, encoding: .utf8)
        try "max_iterations: 9\n".write(to: url.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8)
        let native = try Problem.load(from: url)
        #expect(native.openEvolve == nil && native.configuration.search.iterations == 100)
    }

    @Test(
        "a bad value names the file, the line and the key",
        arguments: [
            ("evaluator:\n  timeout: -1\n", "evaluator.timeout", 2),
            ("llm:\n  api_base: not a url\n  primary_model: m\n", "llm.api_base", 2),
            ("database:\n  feature_dimensions: [a, b, c, d, e]\n", "database.feature_dimensions", 2),
            ("max_iterations: many\n", "max_iterations", 1),
        ])
    func badValues(yaml: String, key: String, line: Int) throws {
        let error = #expect(throws: ConfigurationError.self) { try Self.load(yaml) }
        #expect(error?.key == key && error?.line == line && error?.file.hasSuffix("config.yaml") == true, "\(String(describing: error))")
    }

    @Test("a literal api_key is not used (keys come from the environment), nor a template name as system_message; the warning says so")
    func literalKey() throws {
        let problem = try Self.load("llm:\n  primary_model: m\n  api_key: sk-123\nprompt:\n  system_message: system_message\n")
        #expect(problem.configuration.description == ProblemConfiguration().description)
        #expect(problem.openEvolve?.warning?.contains("prompt.system_message (the template name `system_message`)") == true)
        #expect(problem.configuration.llm.apiKeyEnv == "OPENAI_API_KEY")
        #expect(problem.openEvolve?.warning?.contains("llm.api_key (a literal key") == true)
        #expect(problem.openEvolve?.warning?.contains("sk-123") == false)
    }

    @Test("the evolve.yaml that init --from-openevolve writes loads back to the same configuration")
    func evolveYAMLRoundTrip() throws {
        let problem = try Self.load(Self.full)
        let text = try problem.configuration.yamlText()
        #expect(text.contains("openevolve:") && !text.contains("population_size"))
        let reparsed = try ProblemConfiguration.parse(yaml: text, file: "evolve.yaml")
        #expect(reparsed == problem.configuration)
    }
}
