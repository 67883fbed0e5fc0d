import Foundation
import Yams

extension OpenEvolveConfiguration {
    /// `llm.models`, `primary_model` and `secondary_model` (with their weights) as Evolve's model or
    /// ensemble on an OpenAI-compatible server at `api_base`. True when the file named any model.
    static func mapModels(_ reader: inout OpenEvolveYAML, into llm: inout LLMConfiguration, ignored: inout [String]) throws(ConfigurationError) -> Bool {
        let base = try reader.string("llm.api_base")
        if let base { try checkURL(base, "llm.api_base", reader) }
        let keyVariable = try apiKeyVariable(&reader, "llm.api_key", ignored: &ignored)
        var members: [EnsembleMemberConfiguration] = []
        for (index, entry) in (try reader.list("llm.models") ?? []).enumerated() {
            members.append(try member(entry, path: "llm.models.\(index)", base: base, reader: &reader, ignored: &ignored))
        }
        if let primary = try reader.string("llm.primary_model") {
            let weight = try reader.double("llm.primary_model_weight") ?? 1
            members.append(EnsembleMemberConfiguration(model: primary, provider: .openai, url: base, weight: weight))
        }
        if let secondary = try reader.string("llm.secondary_model") {
            let weight = try reader.double("llm.secondary_model_weight") ?? 0.2
            if weight > 0 { members.append(EnsembleMemberConfiguration(model: secondary, provider: .openai, url: base, weight: weight)) }
        }
        if let provider = try reader.string("llm.provider"), provider != "openai" { ignored.append("llm.provider (\(provider))") }
        if let keyVariable { llm.apiKeyEnv = keyVariable }
        if base != nil || !members.isEmpty {
            llm.provider = .openai
            llm.url = members.first?.url ?? base
        }
        guard let first = members.first else { return false }
        guard members.allSatisfy({ $0.weight > 0 }) else { throw reader.error("llm.models", "every model's weight must be positive") }
        llm.model = first.model
        llm.models = members.count > 1 ? members : []
        if members.count == 1, let key = first.apiKeyEnv { llm.apiKeyEnv = key }
        return true
    }

    static func member(
        _ entry: Node, path: String, base: String?, reader: inout OpenEvolveYAML, ignored: inout [String]
    ) throws(ConfigurationError) -> EnsembleMemberConfiguration {
        guard let mapping = entry.mapping else { throw reader.error(path, "each model must be a mapping with a `name`") }
        guard let name = try reader.string(path + ".name") else { throw reader.error(path, "each model needs a `name`") }
        let url = try reader.string(path + ".api_base") ?? base
        if let url { try checkURL(url, path + ".api_base", reader) }
        var model = EnsembleMemberConfiguration(model: name, provider: .openai, url: url, weight: try reader.double(path + ".weight") ?? 1)
        model.apiKeyEnv = try apiKeyVariable(&reader, path + ".api_key", ignored: &ignored)
        for key in mapping.keys.compactMap(\.string) where !["name", "api_base", "weight", "api_key"].contains(key) {
            let general = "llm.models[].\(key)"
            if !ignored.contains(general) { ignored.append(general) }
        }
        return model
    }

    /// `api_key: ${VAR}` names the variable that holds the key. A literal key is not used: Evolve
    /// reads keys from the environment only, so that none is written to a run's records.
    static func apiKeyVariable(_ reader: inout OpenEvolveYAML, _ path: String, ignored: inout [String]) throws(ConfigurationError) -> String? {
        guard let value = try reader.string(path) else { return nil }
        let text = value.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("${"), text.hasSuffix("}"), text.count > 3 { return String(text.dropFirst(2).dropLast()) }
        ignored.append("\(path) (a literal key; write `${VARIABLE}` and set the variable)")
        return nil
    }

    static func checkURL(_ text: String, _ path: String, _ reader: OpenEvolveYAML) throws(ConfigurationError) {
        guard URL(string: text)?.host != nil else { throw reader.error(path, "`\(text)` is not a URL such as http://localhost:8000/v1") }
    }

    /// Generation and request settings shared by all models.
    static func mapLLMSettings(_ reader: inout OpenEvolveYAML, into llm: inout LLMConfiguration) throws(ConfigurationError) {
        if let temperature = try reader.double("llm.temperature") {
            guard (0...5).contains(temperature) else { throw reader.error("llm.temperature", "the temperature must be between 0 and 5") }
            llm.temperature = temperature
        }
        if let topP = try reader.double("llm.top_p") { llm.topP = topP }
        if let tokens = try reader.int("llm.max_tokens") {
            guard tokens >= 16 else { throw reader.error("llm.max_tokens", "max_tokens must be at least 16") }
            llm.maxTokens = tokens
        }
        if let timeout = try reader.double("llm.timeout") {
            guard timeout > 0 else { throw reader.error("llm.timeout", "the timeout must be a positive number of seconds") }
            llm.timeout = timeout
        }
        if let retries = try reader.int("llm.retries") {
            guard retries >= 0 else { throw reader.error("llm.retries", "retries cannot be negative") }
            llm.requestRetries = retries
        }
        if let seed = try reader.int("llm.random_seed") { llm.seed = seed }
    }
}

extension Problem {
    /// When the models came from an OpenEvolve file and `--provider`, `--model` or `--openai-url`
    /// was given (and already applied to `llm`), the flags' single model replaces the file's:
    /// its ensemble is dropped, and so is its `api_base` when the provider is no longer OpenAI's
    /// API; a new provider without `--model` gets Evolve's default model.
    public mutating func dropFileModels(provider: LLMConfiguration.Provider?, model: String?, openAIURL: String?) {
        guard openEvolve?.modelsFromFile == true, provider != nil || model != nil || openAIURL != nil else { return }
        configuration.llm.models = []
        if let provider, provider != .openai {
            configuration.llm.url = nil
            if model == nil { configuration.llm.model = LLMConfiguration.defaultModel }
        }
    }
}
