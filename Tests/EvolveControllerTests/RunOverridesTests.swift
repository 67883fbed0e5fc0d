import EvolveController
import EvolveCore
import Testing

/// Which wins when the command line and the problem's file disagree.
@Suite struct RunOverridesTests {
    func ensemble() -> ProblemConfiguration {
        var configuration = ProblemConfiguration()
        configuration.llm.models = [
            EnsembleMemberConfiguration(model: "big", provider: .openai, url: "http://127.0.0.1:1/v1", weight: 3),
            EnsembleMemberConfiguration(model: "small", weight: 1),
        ]
        configuration.llm.bandit = true
        return configuration
    }

    @Test("--model, --provider or --openai-url replace an llm.models ensemble, and say so", arguments: [
        RunOverrides(model: "qwen2.5-coder:7b"),
        RunOverrides(provider: .openai),
        RunOverrides(openAIURL: "http://127.0.0.1:8000/v1"),
        RunOverrides(ollamaURL: "http://127.0.0.1:11434"),
    ])
    func flagsReplaceTheEnsemble(overrides: RunOverrides) {
        var configuration = ensemble()
        let notices = overrides.apply(to: &configuration)
        #expect(configuration.llm.models.isEmpty, "the flags' single model is used")
        #expect(!configuration.llm.bandit)
        #expect(notices.count == 1)
        #expect(notices.first?.contains("replaces the 2 models of llm.models") == true)
    }

    @Test("a server flag without --provider chooses its API")
    func serverFlagChoosesProvider() {
        var configuration = ProblemConfiguration()
        RunOverrides(openAIURL: "http://127.0.0.1:8000/v1").apply(to: &configuration)
        #expect(configuration.llm.provider == .openai)
        RunOverrides(ollamaURL: "http://127.0.0.1:11434").apply(to: &configuration)
        #expect(configuration.llm.provider == .ollama)
        RunOverrides(provider: .openai, ollamaURL: "http://127.0.0.1:11434").apply(to: &configuration)
        #expect(configuration.llm.provider == .openai, "an explicit --provider wins")
    }

    @Test("flags that name no model keep the ensemble")
    func otherFlagsKeepTheEnsemble() {
        var configuration = ensemble()
        let notices = RunOverrides(iterations: 3, target: 10, sandbox: .process, modelConcurrency: 4).apply(to: &configuration)
        #expect(configuration.llm.models.count == 2)
        #expect(notices.isEmpty)
        #expect(configuration.search.iterations == 3)
        #expect(configuration.goal.target == 10)
        #expect(configuration.sandbox.backend == .process)
        #expect(configuration.llm.concurrency == 4)
    }

    @Test("the bundled model answers one request at a time")
    func bundledConcurrency() {
        var configuration = ProblemConfiguration()
        RunOverrides(provider: .bundled, modelConcurrency: 4).apply(to: &configuration)
        #expect(configuration.llm.concurrency == 1)
    }

    @Test("--warm turns warm evaluators on; without it the file's choice stands")
    func warm() {
        var configuration = ProblemConfiguration()
        var overrides = RunOverrides()
        overrides.apply(to: &configuration)
        #expect(!configuration.sandbox.warm)
        overrides.warm = true
        overrides.apply(to: &configuration)
        #expect(configuration.sandbox.warm)
    }
}
