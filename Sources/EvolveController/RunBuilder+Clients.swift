import EvolveCore
import EvolveLLM
import EvolveSandbox
import Foundation
import Logging

extension RunBuilder {
    /// The model client of a configuration: one model, or an ensemble of `llm.models`.
    func makeClient(_ configuration: LLMConfiguration, bundledURL: String?) -> any LLMClient {
        if !configuration.models.isEmpty {
            let members = configuration.models.map { member -> EnsembleClient.Member in
                var single = configuration
                single.models = []
                single.provider = member.provider
                single.url = member.url
                single.model = member.model
                if let key = member.apiKeyEnv { single.apiKeyEnv = key }
                return EnsembleClient.Member(
                    client: makeClient(single, bundledURL: nil), weight: member.weight, concurrency: member.concurrency,
                    inputPrice: member.inputPrice, outputPrice: member.outputPrice)
            }
            return EnsembleClient(members: members, bandit: configuration.bandit)
        }
        switch configuration.provider {
        case .bundled:
            return OpenAIClient(
                endpoint: bundledURL ?? "http://127.0.0.1:9/v1", model: BundledModel.name, apiKey: nil, stream: configuration.stream,
                timeout: configuration.timeout, stallTimeout: configuration.stallTimeout, logger: logger)
        case .ollama:
            return OllamaClient(
                endpoint: OllamaEndpoint.resolve(flag: overrides.ollamaURL, environment: environment, configured: configuration.url),
                model: configuration.model, stream: configuration.stream, timeout: configuration.timeout,
                stallTimeout: configuration.stallTimeout, logger: logger)
        case .openai:
            return OpenAIClient(
                endpoint: OpenAIClient.resolveBaseURL(flag: overrides.openAIURL, environment: environment, configured: configuration.url),
                model: configuration.model, apiKey: environment[configuration.apiKeyEnv] ?? environment["OPENAI_API_KEY"],
                stream: configuration.stream, timeout: configuration.timeout, stallTimeout: configuration.stallTimeout, logger: logger)
        }
    }

    /// The sandbox backend of a configuration.
    func makeSandbox(_ configuration: SandboxConfiguration) -> any Sandbox {
        switch configuration.backend {
        case .gvisor: return GVisorSandbox(tmpfsMB: configuration.tmpfsMB, cpus: configuration.cpus, reuse: configuration.reuse, logger: logger)
        case .docker:
            return DockerSandbox(
                host: DockerSandbox.resolveHost(configured: configuration.dockerHost, environment: environment),
                image: configuration.image, runtime: configuration.runtime, tmpfsMB: configuration.tmpfsMB, cpus: configuration.cpus,
                logger: logger)
        case .process: return ProcessSandbox(logger: logger)
        }
    }
}
