import AsyncHTTPClient
import Logging

/// Embeddings from an OpenAI-compatible `POST /v1/embeddings`
/// (`{"model", "input": [...]}` → `{"data": [{"index", "embedding": [...]}]}`). The API key is
/// sent as a bearer token and never appears in messages.
public struct OpenAIEmbeddingClient: EmbeddingClient {
    /// The base URL including the API version path, e.g. `http://localhost:8000/v1`.
    public var endpoint: String
    public var model: String
    var exchange: EmbeddingExchange

    public init(endpoint: String, model: String, apiKey: String? = nil, timeout: Double = 30, httpClient: HTTPClient? = nil, logger: Logger) {
        var base = endpoint
        while base.hasSuffix("/") { base.removeLast() }
        self.endpoint = base
        self.model = model
        exchange = EmbeddingExchange(
            url: base + "/embeddings", server: "the server at \(base)", timeout: timeout,
            headers: apiKey.flatMap { $0.isEmpty ? nil : [("Authorization", "Bearer \($0)")] } ?? [],
            httpClient: httpClient ?? .evolve, logger: logger)
    }

    public func embed(_ texts: [String]) async throws -> [[Double]] {
        struct Body: Encodable, Sendable { var model: String; var input: [String]; var encoding_format = "float" }
        struct Answer: Decodable, Sendable {
            struct Item: Decodable, Sendable { var index: Int; var embedding: [Double] }
            var data: [Item]
        }
        let answer = try await exchange.post(Body(model: model, input: texts), answer: Answer.self)
        let ordered = answer.data.sorted { $0.index < $1.index }.map(\.embedding)
        return try checkedVectors(ordered, count: texts.count, server: exchange.server)
    }
}
