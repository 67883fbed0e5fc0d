import AsyncHTTPClient
import EvolveCore
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// A client for OpenAI-compatible servers (`POST /v1/chat/completions`, `GET /v1/models`): vLLM,
/// llama.cpp's server, LM Studio, or a hosted API. Answers are streamed as server-sent events or
/// taken whole. The API key is sent as a bearer token and never appears in messages or logs.
public struct OpenAIClient: LLMClient {
    public static let defaultBaseURL = "https://api.openai.com/v1"

    /// Holds the API key: messages and logs name the endpoint and model, never the configuration.
    let configuration: Configuration
    public var model: String { configuration.model }
    /// The base URL including the API version path, e.g. `http://localhost:8000/v1`.
    public var endpoint: String { configuration.endpoint }
    var stream: Bool { configuration.stream }
    var timeout: Double { configuration.timeout }
    var stallTimeout: Double { configuration.stallTimeout }
    var apiKey: String? { configuration.apiKey }
    var httpClient: HTTPClient
    var logger: Logger
    /// The server's tokenizer endpoint, for answers that come without token counts.
    let tokenizerRoute = TokenizerRoute()

    /// `httpClient` is evolve's shared client unless given.
    public init(configuration: Configuration, httpClient: HTTPClient? = nil, logger: Logger) {
        self.configuration = configuration
        self.httpClient = httpClient ?? .evolve
        self.logger = logger
    }

    /// The base URL: `OPENAI_BASE_URL` if set, else `configured`, else the OpenAI API.
    public static func resolveBaseURL(flag: String?, environment: [String: String], configured: String?) -> String {
        for candidate in [flag, environment["OPENAI_BASE_URL"], configured] {
            if let candidate, !candidate.trimmingCharacters(in: .whitespaces).isEmpty { return candidate }
        }
        return defaultBaseURL
    }

    public func checkAvailability() async throws {
        var request = HTTPClientRequest(url: endpoint + "/models")
        authorize(&request)
        let body: ByteBuffer
        do {
            let response = try await httpClient.execute(request, timeout: .seconds(5), logger: logger)
            if response.status == .unauthorized || response.status == .forbidden {
                throw LLMError(
                    .httpStatus,
                    "the server at \(endpoint) refused the API key (HTTP \(response.status.code)): set OPENAI_API_KEY, or name the variable holding it with llm.api_key_env",
                    status: Int(response.status.code))
            }
            guard response.status == .ok else {
                throw LLMError(.httpStatus, "the server at \(endpoint) answered \(response.status.code) to GET /models; is it OpenAI-compatible?", status: Int(response.status.code))
            }
            body = try await response.body.collect(upTo: 16 << 20)
        } catch let error as LLMError {
            throw error
        } catch {
            throw LLMError(
                .unreachable,
                "cannot reach the OpenAI-compatible server at \(endpoint) (\(OllamaClient.describe(error))) for model \(model): "
                    + "start it, or point Evolve at it with OPENAI_BASE_URL or llm.url in evolve.yaml")
        }
        struct Models: Decodable {
            struct Model: Decodable { var id: String }
            var data: [Model]
        }
        guard let models = try? JSONDecoder().decode(Models.self, from: Data(body.readableBytesView)) else {
            throw LLMError(.malformedResponse, "the server at \(endpoint) sent an unreadable model list for GET /models")
        }
        // Single-model servers (llama.cpp) answer to any name; only check when the list is meaningful.
        if models.data.count > 1, !models.data.contains(where: { $0.id == model }) {
            throw LLMError(
                .modelNotFound,
                "the server at \(endpoint) does not serve the model \(model) (it serves: \(models.data.map(\.id).prefix(8).joined(separator: ", ")))")
        }
    }

    public func chat(_ messages: [ChatMessage], options: GenerationOptions) async throws -> ChatResponse {
        let (endpoint, timeout) = (self.endpoint, self.timeout)
        return try await withDeadline(
            seconds: timeout,
            error: { LLMError(.timeout, "the server at \(endpoint) did not finish answering within \(Int(timeout)) s") }
        ) {
            try await self.exchange(messages, options: options)
        }
    }

    private func authorize(_ request: inout HTTPClientRequest) {
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
    }

    /// Removes the API key from text that could reach a log, the database or a prompt.
    func redacted(_ text: String) -> String {
        guard let apiKey, apiKey.count >= 4 else { return text }
        return text.replacingOccurrences(of: apiKey, with: "[API key]")
    }

    private func exchange(_ messages: [ChatMessage], options: GenerationOptions) async throws -> ChatResponse {
        let started = ContinuousClock.now
        var request = HTTPClientRequest(url: endpoint + "/chat/completions")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        authorize(&request)
        let body = RequestBody(model: model, messages: messages, stream: stream, options: options)
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))

        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: .milliseconds(Int64(timeout * 1000)), logger: logger)
        } catch {
            throw transportError(error, server: "the server at \(endpoint)", timeout: timeout)
        }
        guard response.status == .ok else {
            let text = (try? await response.body.collect(upTo: 1 << 20)).map { String(buffer: $0) } ?? ""
            let message = redacted((try? JSONDecoder().decode(ErrorBody.self, from: Data(text.utf8)))?.error.message ?? String(text.prefix(200)))
            let code = Int(response.status.code)
            let retryAfter = response.headers.first(name: "Retry-After").flatMap(Double.init)
            if code == 404, message.lowercased().contains("model") {
                throw LLMError(.modelNotFound, "the server at \(endpoint) does not know the model \(model): \(message)", status: code)
            }
            throw LLMError(.httpStatus, "the server at \(endpoint) answered \(code): \(message)", status: code, retryAfter: retryAfter)
        }

        let text = Mutex("")
        let final = Mutex<Chunk?>(nil)
        let endpoint = self.endpoint
        do {
            if stream {
                let done = Mutex(false)
                try await readLines(
                    of: response.body, stallTimeout: stallTimeout,
                    stalled: { LLMError(.timeout, "the answer from \(endpoint) stalled: no data for \(Int(stallTimeout)) s") }
                ) { line in
                    var payload = line
                    while payload.last == UInt8(ascii: "\r") { payload = payload.dropLast() }
                    guard payload.starts(with: Array("data:".utf8)) else { return true }  // comments, event names, blank lines
                    payload = payload.dropFirst(5).drop(while: { $0 == UInt8(ascii: " ") })
                    if payload.elementsEqual(Array("[DONE]".utf8)) {
                        done.withLock { $0 = true }
                        return false
                    }
                    let chunk = try Self.decode(payload, endpoint: endpoint)
                    text.withLock { $0 += chunk.choices?.first?.delta?.content ?? chunk.choices?.first?.message?.content ?? "" }
                    if chunk.usage != nil || chunk.choices?.first?.finish_reason != nil {
                        final.withLock { current in
                            var merged = current ?? chunk
                            if chunk.usage != nil { merged.usage = chunk.usage }
                            if let reason = chunk.choices?.first?.finish_reason { merged.finishReason = reason }
                            current = merged
                        }
                    }
                    return true
                }
                guard done.withLock({ $0 }) || final.withLock({ $0?.finishReason }) != nil else {
                    throw LLMError(.malformedResponse, "the answer stream from \(endpoint) ended before its end (no finish_reason or [DONE])")
                }
            } else {
                let body = try await response.body.collect(upTo: 32 << 20)
                var chunk = try Self.decode(Data(body.readableBytesView)[...], endpoint: endpoint)
                chunk.finishReason = chunk.choices?.first?.finish_reason
                text.withLock { $0 = chunk.choices?.first?.message?.content ?? "" }
                final.withLock { $0 = chunk }
            }
        } catch let error as LLMError {
            throw error
        } catch {
            if error is CancellationError || Task.isCancelled { throw CancellationError() }
            throw LLMError(.malformedResponse, "the answer from \(endpoint) was cut off before its end (\(OllamaClient.describe(error)))")
        }
        let answer = text.withLock { $0 }
        if answer.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw LLMError(.emptyAnswer, "the model \(model) returned an empty answer")
        }
        let last = final.withLock { $0 }
        var result = ChatResponse(
            text: answer, model: model, promptTokens: last?.usage?.prompt_tokens, completionTokens: last?.usage?.completion_tokens,
            duration: started.duration(to: .now).inSeconds, finishReason: last?.finishReason)
        await countMissingTokens(&result, messages: messages)
        return result
    }

    static func decode(_ data: Data.SubSequence, endpoint: String) throws -> Chunk {
        guard let chunk = try? JSONDecoder().decode(Chunk.self, from: Data(data)) else {
            throw LLMError(.malformedResponse, "the server at \(endpoint) sent something that is not a chat completion: `\(String(decoding: data.prefix(120), as: UTF8.self))`")
        }
        if let error = chunk.error {
            throw LLMError(.httpStatus, "the server at \(endpoint) reported an error: \(error.message)")
        }
        return chunk
    }

    private struct RequestBody: Encodable {
        var model: String
        var messages: [ChatMessage]
        var stream: Bool
        var temperature: Double
        var top_p: Double?
        var seed: Int?
        var max_tokens: Int
        var stream_options: StreamOptions?

        struct StreamOptions: Encodable { var include_usage: Bool }

        init(model: String, messages: [ChatMessage], stream: Bool, options: GenerationOptions) {
            self.model = model
            self.messages = messages
            self.stream = stream
            temperature = options.temperature
            top_p = options.topP
            seed = options.seed
            max_tokens = options.maxTokens
            stream_options = stream ? StreamOptions(include_usage: true) : nil
        }
    }

    struct Chunk: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable { var content: String? }
            var delta: Message?
            var message: Message?
            var finish_reason: String?
        }
        struct Usage: Decodable { var prompt_tokens: Int?; var completion_tokens: Int? }
        struct ErrorDetail: Decodable { var message: String }
        var choices: [Choice]?
        var usage: Usage?
        var error: ErrorDetail?
        var finishReason: String?

        enum CodingKeys: String, CodingKey { case choices, usage, error }
    }

    private struct ErrorBody: Decodable {
        struct Detail: Decodable { var message: String }
        var error: Detail
    }
}
