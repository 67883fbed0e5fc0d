import AsyncHTTPClient
import Logging

/// Embeddings from Ollama's `POST /api/embed` (`{"model", "input": [...]}` → `{"embeddings": [[...]]}`).
public struct OllamaEmbeddingClient: EmbeddingClient {
    public var endpoint: String
    public var model: String
    var exchange: EmbeddingExchange

    /// `httpClient` is evolve's shared client unless given.
    public init(endpoint: String, model: String, timeout: Double = 30, httpClient: HTTPClient? = nil, logger: Logger) {
        self.endpoint = endpoint
        self.model = model
        exchange = EmbeddingExchange(
            url: endpoint + "/api/embed", server: "Ollama at \(endpoint)", timeout: timeout, httpClient: httpClient ?? .evolve, logger: logger)
    }

    public func embed(_ texts: [String]) async throws -> [[Double]] {
        struct Body: Encodable, Sendable { var model: String; var input: [String] }
        struct Answer: Decodable, Sendable { var embeddings: [[Double]] }
        let answer = try await exchange.post(Body(model: model, input: texts), answer: Answer.self)
        return try checkedVectors(answer.embeddings, count: texts.count, server: exchange.server)
    }
}
