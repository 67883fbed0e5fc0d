import AsyncHTTPClient
import EvolveCore
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A server that turns texts into vectors (for the novelty check, `search.novelty`).
public protocol EmbeddingClient: Sendable {
    var model: String { get }
    /// Where the model is served, for messages.
    var endpoint: String { get }
    /// One vector per text, in order; throws an `LLMError` that says what failed.
    func embed(_ texts: [String]) async throws -> [[Double]]
}

/// The embedding client evolve.yaml's `search.novelty.embedding` describes; `environment` holds the API key.
public func makeEmbeddingClient(
    _ configuration: EmbeddingConfiguration, environment: [String: String], httpClient: HTTPClient? = nil, logger: Logger
) -> any EmbeddingClient {
    switch configuration.provider {
    case .ollama:
        return OllamaEmbeddingClient(
            endpoint: OllamaEndpoint.normalize(configuration.url ?? LLMConfiguration.defaultOllamaURL), model: configuration.model,
            timeout: configuration.timeout, httpClient: httpClient, logger: logger)
    case .openai:
        return OpenAIEmbeddingClient(
            endpoint: configuration.url ?? OpenAIClient.defaultBaseURL, model: configuration.model,
            apiKey: environment[configuration.apiKeyEnv], timeout: configuration.timeout, httpClient: httpClient, logger: logger)
    }
}

/// One JSON request to an embedding route and its decoded answer; shared by both clients.
struct EmbeddingExchange: Sendable {
    var url: String
    var server: String
    var timeout: Double
    var headers: [(String, String)] = []
    var httpClient: HTTPClient
    var logger: Logger

    /// Posts `body` and decodes the answer, all within `timeout` seconds.
    func post<Body: Encodable & Sendable, Answer: Decodable & Sendable>(_ body: Body, answer: Answer.Type) async throws -> Answer {
        let (server, timeout) = (self.server, self.timeout)
        return try await withDeadline(
            seconds: timeout, error: { LLMError(.timeout, "\(server) did not answer an embedding request within \(Int(timeout)) s") }
        ) {
            try await self.exchange(body, answer: answer)
        }
    }

    private func exchange<Body: Encodable, Answer: Decodable>(_ body: Body, answer: Answer.Type) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await httpClient.execute(request, timeout: .milliseconds(Int64(timeout * 1000)), logger: logger)
            bytes = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw transportError(error, server: server, timeout: timeout)
        }
        guard response.status == .ok else {
            let text = String(buffer: bytes).prefix(200)
            throw LLMError(.httpStatus, "\(server) answered \(response.status.code) to an embedding request: \(text)", status: Int(response.status.code))
        }
        do {
            return try JSONDecoder().decode(Answer.self, from: Data(bytes.readableBytesView))
        } catch {
            throw LLMError(.malformedResponse, "\(server) sent an unreadable embedding answer: \(String(buffer: bytes).prefix(120))")
        }
    }
}

/// Checks that a server sent one non-empty vector per text.
func checkedVectors(_ vectors: [[Double]], count: Int, server: String) throws -> [[Double]] {
    guard vectors.count == count, vectors.allSatisfy({ !$0.isEmpty }) else {
        throw LLMError(.malformedResponse, "\(server) sent \(vectors.count) embeddings for \(count) texts")
    }
    return vectors
}
