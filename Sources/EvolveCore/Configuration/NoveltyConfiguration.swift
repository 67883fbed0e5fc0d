import Foundation

/// `search.novelty`: children too similar to a program already on their island are not
/// evaluated; the model is told and asked again (within `llm.retries`).
///
/// The default compares token 5-grams of the EVOLVE-BLOCK code (Jaccard similarity) and rejects
/// at 0.99: only near-copies go, such as a change of layout or a one-token change in a program
/// of a thousand tokens or more. A one-line change to a 100-token block scores about 0.9 and is
/// evaluated. `novelty: off` turns the check off.
public struct NoveltyConfiguration: Sendable, Hashable, Codable {
    public enum Method: String, Sendable, Hashable, Codable, CaseIterable {
        /// Jaccard similarity of token n-grams; needs no model.
        case ngram
        /// Cosine similarity of embeddings from an Ollama or OpenAI-compatible server.
        case embedding
    }

    public var enabled: Bool
    public var method: Method
    /// A child at least this similar (0...1] to a program on its island is not evaluated.
    public var threshold: Double
    /// Tokens per n-gram (`ngram` method).
    public var ngram: Int
    /// The embedding server (`embedding` method).
    public var embedding: EmbeddingConfiguration?
    /// Ask the run's model whether a child above the threshold is meaningfully different; a
    /// "yes" lets it be evaluated. A failed judgement keeps the similarity's verdict.
    public var judge: Bool

    public static let defaultThreshold = 0.99

    public init(
        enabled: Bool = true, method: Method = .ngram, threshold: Double = NoveltyConfiguration.defaultThreshold, ngram: Int = 5,
        embedding: EmbeddingConfiguration? = nil, judge: Bool = false
    ) {
        self.enabled = enabled
        self.method = method
        self.threshold = threshold
        self.ngram = ngram
        self.embedding = embedding
        self.judge = judge
    }

    /// The check turned off (`novelty: off`).
    public static let off = NoveltyConfiguration(enabled: false)

    enum CodingKeys: String, CodingKey, CaseIterable { case enabled, method, threshold, ngram, embedding, judge }

    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer() {
            if let flag = try? single.decode(Bool.self) {
                self = flag ? NoveltyConfiguration() : .off
                return
            }
            if let word = try? single.decode(String.self) {
                switch word.lowercased() {
                case "off", "false", "no": self = .off
                case "on", "true", "yes": self = NoveltyConfiguration()
                default:
                    throw DecodingError.dataCorruptedError(
                        in: single, debugDescription: "`\(word)` is not a novelty setting: write `off`, or a mapping such as {method: ngram, threshold: 0.99}")
                }
                return
            }
        }
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        let d = NoveltyConfiguration()
        self.init(
            enabled: try c.value(.enabled, default: true), method: try c.value(.method, default: d.method),
            threshold: try c.value(.threshold, default: d.threshold), ngram: try c.value(.ngram, default: d.ngram),
            embedding: try c.decodeIfPresent(EmbeddingConfiguration.self, forKey: .embedding), judge: try c.value(.judge, default: false))
        try c.require(threshold.isFinite && threshold > 0 && threshold <= 1, .threshold, "the threshold must be a similarity above 0 and at most 1")
        try c.require((1...16).contains(ngram), .ngram, "ngram must be between 1 and 16 tokens")
        try c.require(
            method != .embedding || embedding != nil, .embedding,
            "method `embedding` needs an embedding server: embedding: {provider: ollama, model: nomic-embed-text}")
    }
}

/// `search.novelty.embedding`: the server that turns programs into vectors.
public struct EmbeddingConfiguration: Sendable, Hashable, Codable {
    public enum Provider: String, Sendable, Hashable, Codable, CaseIterable {
        /// `POST /api/embed` on an Ollama server.
        case ollama
        /// `POST {url}/embeddings` on an OpenAI-compatible server (`url` includes `/v1`).
        case openai
    }

    public var provider: Provider
    /// The server; nil: `http://localhost:11434` for Ollama, the OpenAI API for `openai`.
    public var url: String?
    public var model: String
    /// The environment variable holding the API key (`openai`).
    public var apiKeyEnv: String
    /// Seconds allowed for one request.
    public var timeout: Double

    public init(provider: Provider = .ollama, url: String? = nil, model: String, apiKeyEnv: String = "OPENAI_API_KEY", timeout: Double = 30) {
        self.provider = provider
        self.url = url
        self.model = model
        self.apiKeyEnv = apiKeyEnv
        self.timeout = timeout
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case provider, url, model, timeout
        case apiKeyEnv = "api_key_env"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        guard c.contains(.model) else {
            throw DecodingError.keyNotFound(
                CodingKeys.model, .init(codingPath: c.codingPath, debugDescription: "the embedding server needs a model, e.g. model: nomic-embed-text"))
        }
        self.init(
            provider: try c.value(.provider, default: .ollama), url: try c.decodeIfPresent(String.self, forKey: .url),
            model: try c.decode(String.self, forKey: .model), apiKeyEnv: try c.value(.apiKeyEnv, default: "OPENAI_API_KEY"),
            timeout: try c.value(.timeout, default: 30))
        try c.require(!model.isEmpty, .model, "the embedding model name is empty")
        try c.require(timeout > 0, .timeout, "the timeout must be a positive number of seconds")
        if let url { try c.require(URL(string: url)?.host != nil, .url, "`\(url)` is not a URL such as http://localhost:11434") }
    }
}
