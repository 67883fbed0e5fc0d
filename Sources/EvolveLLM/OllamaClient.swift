import AsyncHTTPClient
import EvolveCore
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// A client for Ollama's native chat API (`POST /api/chat`, `GET /api/tags`).
public struct OllamaClient: LLMClient {
    public var configuration: Configuration
    public var model: String { configuration.model }
    /// The server's base URL, e.g. `http://localhost:11434`.
    public var endpoint: String { configuration.endpoint }
    var stream: Bool { configuration.stream }
    var timeout: Double { configuration.timeout }
    var stallTimeout: Double { configuration.stallTimeout }
    var httpClient: HTTPClient
    var logger: Logger

    /// `httpClient` is evolve's shared client unless given.
    public init(configuration: Configuration, httpClient: HTTPClient? = nil, logger: Logger) {
        self.configuration = configuration
        self.httpClient = httpClient ?? .evolve  // resolved here, not in callers' default arguments
        self.logger = logger
    }

    public func checkAvailability() async throws {
        var request = HTTPClientRequest(url: endpoint + "/api/tags")
        request.method = .GET
        let body: ByteBuffer
        do {
            let response = try await httpClient.execute(request, timeout: .milliseconds(1500), logger: logger)
            guard response.status == .ok else {
                throw LLMError(.httpStatus, "Ollama at \(endpoint) answered \(response.status.code) to GET /api/tags; is this an Ollama server?", status: Int(response.status.code))
            }
            body = try await response.body.collect(upTo: 16 << 20)
        } catch let error as LLMError {
            throw error
        } catch {
            throw LLMError(
                .unreachable,
                "cannot reach Ollama at \(endpoint) (\(Self.describe(error))) for model \(model): start it with `ollama serve`, "
                    + "or point Evolve at your server with --ollama-url, OLLAMA_HOST or llm.url in evolve.yaml")
        }
        struct Tags: Decodable {
            struct Model: Decodable { var name: String; var model: String? }
            var models: [Model]
        }
        guard let tags = try? JSONDecoder().decode(Tags.self, from: Data(body.readableBytesView)) else {
            throw LLMError(.malformedResponse, "Ollama at \(endpoint) sent an unreadable model list; is this an Ollama server?")
        }
        let wanted = Self.canonical(model)
        guard tags.models.contains(where: { Self.canonical($0.name) == wanted || Self.canonical($0.model ?? "") == wanted }) else {
            throw LLMError(
                .modelNotFound,
                "the model \(model) is not pulled on the Ollama server at \(endpoint): run `ollama pull \(model)`, "
                    + "or choose another with --model (pulled: \(tags.models.map(\.name).prefix(8).joined(separator: ", ")))")
        }
    }

    /// `name` with the implicit `:latest` tag made explicit.
    static func canonical(_ name: String) -> String {
        name.contains(":") ? name : name + ":latest"
    }

    public func chat(_ messages: [ChatMessage], options: GenerationOptions) async throws -> ChatResponse {
        let (endpoint, timeout) = (self.endpoint, self.timeout)
        return try await withDeadline(
            seconds: timeout,
            error: { LLMError(.timeout, "Ollama at \(endpoint) did not finish answering within \(Int(timeout)) s") }
        ) {
            try await self.exchange(messages, options: options)
        }
    }

    /// One request and its whole answer; `chat` bounds it by the timeout.
    private func exchange(_ messages: [ChatMessage], options: GenerationOptions) async throws -> ChatResponse {
        let started = ContinuousClock.now
        var request = HTTPClientRequest(url: endpoint + "/api/chat")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(ChatBody(model: model, messages: messages, stream: stream, options: options))))

        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: .milliseconds(Int64(timeout * 1000)), logger: logger)
        } catch {
            throw transportError(error, server: "Ollama at \(endpoint)", timeout: timeout)
        }
        guard response.status == .ok else {
            let text = (try? await response.body.collect(upTo: 1 << 20)).map { String(buffer: $0) } ?? ""
            let serverMessage = (try? JSONDecoder().decode(ErrorBody.self, from: Data(text.utf8)))?.error ?? String(text.prefix(200))
            if response.status == .notFound, serverMessage.contains("not found") {
                throw LLMError(.modelNotFound, "the model \(model) is not available on \(endpoint): run `ollama pull \(model)` (server said: \(serverMessage))", status: 404)
            }
            throw LLMError(
                .httpStatus, "Ollama at \(endpoint) answered \(response.status.code): \(serverMessage)", status: Int(response.status.code),
                retryAfter: response.headers.first(name: "Retry-After").flatMap(Double.init))
        }

        let collected = Mutex((text: "", final: ChatChunk?.none))
        let endpoint = self.endpoint
        do {
            if stream {
                try await readLines(
                    of: response.body, stallTimeout: stallTimeout,
                    stalled: { LLMError(.timeout, "the answer from Ollama at \(endpoint) stalled: no data for \(Int(self.stallTimeout)) s") }
                ) { line in
                    guard let chunk = try self.decodeChunk(line) else { return true }
                    collected.withLock { state in
                        state.text += chunk.message?.content ?? ""
                        if chunk.done == true { state.final = chunk }
                    }
                    return chunk.done != true
                }
                guard collected.withLock({ $0.final }) != nil else {
                    throw LLMError(.malformedResponse, "the answer stream from \(endpoint) ended before its final chunk (\"done\": true)")
                }
            } else {
                let body = try await response.body.collect(upTo: 32 << 20)
                guard let chunk = try decodeChunk(Data(body.readableBytesView)[...]) else {
                    throw LLMError(.malformedResponse, "Ollama at \(endpoint) sent an empty body")
                }
                collected.withLock { $0 = (chunk.message?.content ?? "", chunk) }
            }
        } catch let error as LLMError {
            throw error
        } catch {
            if error is CancellationError || Task.isCancelled { throw CancellationError() }
            // The head arrived, so the server is up: a body that breaks off is a cut-off answer.
            throw LLMError(.malformedResponse, "the answer from \(endpoint) was cut off before its end (\(Self.describe(error)))")
        }
        let (text, final) = collected.withLock { ($0.text, $0.final) }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw LLMError(.emptyAnswer, "the model \(model) returned an empty answer")
        }
        let elapsed = started.duration(to: .now)
        return ChatResponse(
            text: text, model: model, promptTokens: final?.prompt_eval_count, completionTokens: final?.eval_count,
            duration: elapsed.inSeconds,
            finishReason: final?.done_reason)
    }

    func decodeChunk(_ line: Data.SubSequence) throws -> ChatChunk? {
        let trimmed = line.drop(while: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") })
        guard !trimmed.isEmpty else { return nil }
        guard let chunk = try? JSONDecoder().decode(ChatChunk.self, from: Data(trimmed)) else {
            throw LLMError(.malformedResponse, "Ollama at \(endpoint) sent something that is not JSON: `\(String(decoding: trimmed.prefix(120), as: UTF8.self))`")
        }
        if let error = chunk.error {
            throw LLMError(.httpStatus, "Ollama at \(endpoint) reported an error: \(error)")
        }
        return chunk
    }


    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        if text.contains("connectTimeout") { return "connection timed out" }
        return String(text.prefix(160))
    }

    private struct ChatBody: Encodable {
        var model: String
        var messages: [ChatMessage]
        var stream: Bool
        var options: Options

        init(model: String, messages: [ChatMessage], stream: Bool, options: GenerationOptions) {
            self.model = model
            self.messages = messages
            self.stream = stream
            self.options = Options(
                temperature: options.temperature, top_p: options.topP, seed: options.seed,
                num_ctx: options.contextLength, num_predict: options.maxTokens)
        }

        struct Options: Encodable {
            var temperature: Double
            var top_p: Double?
            var seed: Int?
            var num_ctx: Int
            var num_predict: Int
        }
    }

    struct ChatChunk: Decodable, Sendable {
        struct Message: Decodable, Sendable { var role: String?; var content: String? }
        var message: Message?
        var done: Bool?
        var done_reason: String?
        var prompt_eval_count: Int?
        var eval_count: Int?
        var error: String?
    }

    private struct ErrorBody: Decodable { var error: String }
}
