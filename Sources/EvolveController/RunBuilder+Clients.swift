import EvolveCore
import EvolveLLM
import EvolveSandbox
import Foundation
import Logging

extension RunBuilder {
    /// The model client of a configuration, recording its answers (`llm.record`) or replaying
    /// recorded ones (`llm.replay`) when asked.
    func makeClient(_ configuration: LLMConfiguration, bundledURL: String?) -> any LLMClient {
        let live = makeLiveClient(configuration, bundledURL: bundledURL)
        let recording: (any LLMClient)? = configuration.record.map { RecordingClient(live, store: AnswerStore(directory: answerDirectory($0))) }
        guard let replay = configuration.replay else { return recording ?? live }
        return ReplayingClient(
            store: AnswerStore(directory: answerDirectory(replay)), model: live.model,
            live: configuration.replayFallthrough ? (recording ?? live) : nil)
    }

    /// A recorded-answer directory: absolute, or relative to the problem directory.
    func answerDirectory(_ path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : problem.directory.appendingPathComponent(path)
    }

    /// The client of the live model: one model, or an ensemble of `llm.models`.
    func makeLiveClient(_ configuration: LLMConfiguration, bundledURL: String?) -> any LLMClient {
        if !configuration.models.isEmpty {
            let members = configuration.models.map { member -> EnsembleClient.Member in
                var single = configuration
                single.models = []
                single.provider = member.provider
                single.url = member.url
                single.model = member.model
                if let key = member.apiKeyEnv { single.apiKeyEnv = key }
                return EnsembleClient.Member(
                    client: makeLiveClient(single, bundledURL: nil), weight: member.weight, concurrency: member.concurrency,
                    inputPrice: member.inputPrice, outputPrice: member.outputPrice)
            }
            return EnsembleClient(members: members, bandit: configuration.bandit)
        }
        switch configuration.provider {
        case .bundled:
            var bundled = OpenAIClient.Configuration(endpoint: bundledURL ?? "http://127.0.0.1:9/v1", apiKey: nil, configuration)
            bundled.model = BundledModel.name
            return OpenAIClient(configuration: bundled, logger: logger)
        case .ollama:
            let endpoint = OllamaEndpoint.resolve(flag: overrides.ollamaURL, environment: environment, configured: configuration.url)
            return OllamaClient(configuration: .init(endpoint: endpoint, configuration), logger: logger)
        case .openai:
            let endpoint = OpenAIClient.resolveBaseURL(flag: overrides.openAIURL, environment: environment, configured: configuration.url)
            let apiKey = environment[configuration.apiKeyEnv] ?? environment["OPENAI_API_KEY"]
            return OpenAIClient(configuration: .init(endpoint: endpoint, apiKey: apiKey, configuration), logger: logger)
        }
    }
}
