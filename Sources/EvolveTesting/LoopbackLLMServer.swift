import EvolveCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An HTTP server on 127.0.0.1 that speaks Ollama's API (`GET /api/tags`, `POST /api/chat`,
/// streamed as NDJSON or whole) and the OpenAI API (`GET /v1/models`, `POST /v1/chat/completions`,
/// streamed as server-sent events or whole) with answers from a script: real HTTP for tests and
/// benchmarks, including garbage, slow, failing, rate-limited and cut-off answers. It also embeds
/// texts (`POST /api/embed`, `POST /v1/embeddings`; see LoopbackLLMServer+Embeddings.swift).
public final class LoopbackLLMServer: Sendable {
    /// What the server does with one chat request.
    public indirect enum Reply: Sendable {
        /// A well-formed answer with this text.
        case answer(String)
        /// A 200 response whose body is this text, not JSON.
        case garbage(String)
        /// An HTTP error status with an Ollama-style `{"error": ...}` body.
        case status(Int, String)
        /// The reply after a pause.
        case delayed(seconds: Double, Reply)
        /// Never answers; the connection stays open.
        case hang
        /// A stream that stops after part of the text, without its final chunk, and closes.
        case truncated(String)
        /// A well-formed answer with empty content.
        case empty
        /// A well-formed answer that the server stopped at its token limit: finish_reason (OpenAI)
        /// or done_reason (Ollama) is "length".
        case atTokenLimit(String)
        /// 429 Too Many Requests with a `Retry-After` header (seconds).
        case rateLimited(retryAfter: Double)
    }

    /// Which API a request used.
    public enum WireFormat: Sendable { case ollama, openai }

    /// When OpenAI answers carry token counts (`usage`).
    public enum Usage: Sendable {
        /// Whole answers always; streams only when the request asks with
        /// `stream_options.include_usage`, in a last chunk of their own (as OpenAI, vLLM and llama.cpp do).
        case whenAsked
        /// Never, as a server that ignores `include_usage`.
        case never
    }

    /// A tokenizer endpoint the server offers; its count is the number of whitespace-separated words.
    public enum Tokenizer: Sendable {
        /// llama.cpp's server: `POST /tokenize {"content": ...}` → `{"tokens": [...]}`.
        case llamaCpp
        /// llama-cpp-python's server: `POST /extras/tokenize/count {"input": ...}` → `{"count": n}`.
        case llamaCppPython
    }

    /// A chat request as the server saw it.
    public struct Request: Sendable {
        public var index: Int
        public var path: String
        public var model: String
        public var messages: [ChatTurn]
        public var stream: Bool
        public var options: [String: JSONValue]
        public var body: String
        public var format: WireFormat
        /// The `Authorization` header, if any.
        public var authorization: String?
    }

    public struct ChatTurn: Sendable, Hashable {
        public var role: String
        public var content: String
    }

    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }
    public let models: [String]
    public let usage: Usage
    public let tokenizer: Tokenizer?
    public let embeddings: Embeddings
    let embeddingLog = Mutex<[EmbeddingRequest]>([])

    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup
    private let recorded = Mutex<[Request]>([])
    private let script: @Sendable (Request) -> Reply

    /// Starts a server on a free loopback port. `script` decides each chat reply.
    public static func start(
        models: [String] = [LLMConfiguration.defaultModel], usage: Usage = .whenAsked, tokenizer: Tokenizer? = nil,
        embeddings: Embeddings = .bagOfWords, script: @escaping @Sendable (Request) -> Reply
    ) async throws -> LoopbackLLMServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let box = ServerBox()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(HTTPHandler(box: box))
                }
            }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        let server = LoopbackLLMServer(
            channel: channel, group: group, models: models, usage: usage, tokenizer: tokenizer, embeddings: embeddings, script: script)
        box.server.withLock { $0 = server }
        return server
    }

    /// A server that answers each request with the next reply of `replies`, repeating the last one.
    public static func start(
        models: [String] = [LLMConfiguration.defaultModel], usage: Usage = .whenAsked, tokenizer: Tokenizer? = nil,
        embeddings: Embeddings = .bagOfWords, replies: [Reply]
    ) async throws -> LoopbackLLMServer {
        try await start(models: models, usage: usage, tokenizer: tokenizer, embeddings: embeddings, script: script(replies))
    }

    /// The next reply of `replies` for each request, repeating the last one.
    private static func script(_ replies: [Reply]) -> @Sendable (Request) -> Reply {
        { request in replies.isEmpty ? .empty : replies[min(request.index, replies.count - 1)] }
    }

    /// Runs `body` with a server started as `start(models:usage:tokenizer:embeddings:script:)`
    /// starts one, and awaits its shutdown when `body` returns or throws (the scoped style of
    /// async-http-client's `HTTPClient.withHTTPClient` and swift-subprocess's `run(body:)`).
    /// `requests` still reads after the shutdown, but only inside `body` is the server at hand:
    /// read it there, or return what a test needs.
    public static func with<Value>(
        models: [String] = [LLMConfiguration.defaultModel], usage: Usage = .whenAsked, tokenizer: Tokenizer? = nil,
        embeddings: Embeddings = .bagOfWords, isolation: isolated (any Actor)? = #isolation,
        script: @escaping @Sendable (Request) -> Reply, _ body: (LoopbackLLMServer) async throws -> Value
    ) async throws -> Value {
        let server = try await start(models: models, usage: usage, tokenizer: tokenizer, embeddings: embeddings, script: script)
        let value: Value
        do {
            value = try await body(server)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
        return value
    }

    /// As `with(models:usage:tokenizer:embeddings:script:_:)`, the server answering each request
    /// with the next reply of `replies`, repeating the last one.
    public static func with<Value>(
        models: [String] = [LLMConfiguration.defaultModel], usage: Usage = .whenAsked, tokenizer: Tokenizer? = nil,
        embeddings: Embeddings = .bagOfWords, isolation: isolated (any Actor)? = #isolation, replies: [Reply],
        _ body: (LoopbackLLMServer) async throws -> Value
    ) async throws -> Value {
        try await with(models: models, usage: usage, tokenizer: tokenizer, embeddings: embeddings, script: Self.script(replies), body)
    }

    private init(
        channel: any Channel, group: MultiThreadedEventLoopGroup, models: [String], usage: Usage, tokenizer: Tokenizer?,
        embeddings: Embeddings, script: @escaping @Sendable (Request) -> Reply
    ) {
        self.embeddings = embeddings
        self.channel = channel
        self.group = group
        self.models = models
        self.usage = usage
        self.tokenizer = tokenizer
        self.script = script
        self.port = channel.localAddress?.port ?? 0
    }

    /// The chat requests received so far, in order.
    public var requests: [Request] { recorded.withLock { $0 } }

    public func shutdown() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    // MARK: - Serving

    fileprivate func respond(method: HTTPMethod, path: String, headers: HTTPHeaders, body: ByteBuffer) -> (HTTPResponseStatus, String, [String], (Reply, Request)?) {
        switch (method, path) {
        case (.GET, "/v1/models"):
            let list = models.map { "{\"id\":\(quote($0)),\"object\":\"model\",\"owned_by\":\"evolve\"}" }
            return (.ok, "application/json", ["{\"object\":\"list\",\"data\":[\(list.joined(separator: ","))]}"], nil)
        case (.POST, "/v1/chat/completions"):
            return chatRequest(path: path, headers: headers, body: body, format: .openai)
        case (.POST, "/tokenize") where tokenizer == .llamaCpp:
            let count = wordCount(body, field: "content")
            return (.ok, "application/json", ["{\"tokens\":[\(Array(repeating: "1", count: count).joined(separator: ","))]}"], nil)
        case (.POST, "/extras/tokenize/count") where tokenizer == .llamaCppPython:
            return (.ok, "application/json", ["{\"count\":\(wordCount(body, field: "input"))}"], nil)
        case (.GET, "/api/tags"):
            let list = models.map { "{\"name\":\(quote($0)),\"model\":\(quote($0)),\"modified_at\":\"2026-01-01T00:00:00Z\",\"size\":1,\"digest\":\"0\",\"details\":{}}" }
            return (.ok, "application/json", ["{\"models\":[\(list.joined(separator: ","))]}"], nil)
        case (.GET, "/"):
            return (.ok, "text/plain", ["Ollama is running"], nil)
        case (.POST, "/api/chat"):
            return chatRequest(path: path, headers: headers, body: body, format: .ollama)
        case (.POST, "/api/embed"):
            let (status, text) = embed(body, format: .ollama, authorization: headers.first(name: "Authorization"))
            return (status, "application/json", [text], nil)
        case (.POST, "/v1/embeddings"):
            let (status, text) = embed(body, format: .openai, authorization: headers.first(name: "Authorization"))
            return (status, "application/json", [text], nil)
        default:
            return (.notFound, "text/plain", ["404 page not found"], nil)
        }
    }

    private func chatRequest(path: String, headers: HTTPHeaders, body: ByteBuffer, format: WireFormat) -> (HTTPResponseStatus, String, [String], (Reply, Request)?) {
        do {
            let text = String(buffer: body)
            guard let data = text.data(using: .utf8),
                let object = try? JSONDecoder().decode([String: JSONValue].self, from: data),
                case .string(let model)? = object["model"]
            else {
                return (.badRequest, "application/json", ["{\"error\":\"invalid request body\"}"], nil)
            }
            guard models.contains(model) else {
                if format == .openai {
                    return (.notFound, "application/json", ["{\"error\":{\"message\":\"The model `\(model)` does not exist\",\"type\":\"invalid_request_error\"}}"], nil)
                }
                return (.notFound, "application/json", ["{\"error\":\"model \\\"\(model)\\\" not found, try pulling it first\"}"], nil)
            }
            var turns: [ChatTurn] = []
            if case .array(let messages)? = object["messages"] {
                for case .object(let message) in messages {
                    if case .string(let role)? = message["role"], case .string(let content)? = message["content"] {
                        turns.append(ChatTurn(role: role, content: content))
                    }
                }
            }
            var stream = true
            if case .bool(let value)? = object["stream"] { stream = value }
            if format == .openai, object["stream"] == nil { stream = false }
            var options: [String: JSONValue] = [:]
            if case .object(let value)? = object["options"] { options = value }
            if format == .openai { options = object.filter { !["model", "messages", "stream"].contains($0.key) } }
            let request = recorded.withLock { list -> Request in
                let request = Request(
                    index: list.count, path: path, model: model, messages: turns, stream: stream, options: options, body: text,
                    format: format, authorization: headers.first(name: "Authorization"))
                list.append(request)
                return request
            }
            let contentType = stream ? (format == .openai ? "text/event-stream" : "application/x-ndjson") : "application/json"
            return (.ok, contentType, [], (script(request), request))
        }
    }

    /// The number of whitespace-separated words in the string `field` of a JSON body (the loopback tokenizer).
    private func wordCount(_ body: ByteBuffer, field: String) -> Int {
        guard let object = try? JSONDecoder().decode([String: JSONValue].self, from: Data(String(buffer: body).utf8)),
            case .string(let text)? = object[field]
        else { return 0 }
        return text.split(whereSeparator: \.isWhitespace).count
    }

    /// The body chunks of a well-formed chat answer.
    fileprivate func answerChunks(_ text: String, request: Request, complete: Bool = true, finish: String = "stop") -> [String] {
        request.format == .openai
            ? openAIChunks(text, request: request, complete: complete, finish: finish)
            : ollamaChunks(text, model: request.model, stream: request.stream, complete: complete, finish: finish)
    }

    /// Whether this OpenAI answer carries `usage`.
    private func sendsUsage(_ request: Request) -> Bool {
        guard usage == .whenAsked else { return false }
        guard request.stream else { return true }
        guard case .object(let options)? = request.options["stream_options"], case .bool(true)? = options["include_usage"] else { return false }
        return true
    }

    private func openAIChunks(_ text: String, request: Request, complete: Bool, finish: String) -> [String] {
        let (model, stream) = (request.model, request.stream)
        let counts = "\"usage\":{\"prompt_tokens\":\(max(1, text.count / 4)),\"completion_tokens\":\(max(1, text.count / 4))}"
        let usage = sendsUsage(request) ? "," + counts : ""
        guard stream else {
            return ["{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\(quote(model)),\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\(quote(text))},\"finish_reason\":\(quote(finish))}]\(usage)}"]
        }
        var chunks: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            let piece = rest.prefix(48)
            rest = rest.dropFirst(piece.count)
            chunks.append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\(quote(model)),\"choices\":[{\"index\":0,\"delta\":{\"content\":\(quote(String(piece)))},\"finish_reason\":null}]}\n\n")
        }
        if complete {
            chunks.append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\(quote(model)),\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\(quote(finish))}]}\n\n")
            if sendsUsage(request) {
                chunks.append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\(quote(model)),\"choices\":[],\(counts)}\n\n")
            }
            chunks.append("data: [DONE]\n\n")
        }
        return chunks
    }

    private func ollamaChunks(_ text: String, model: String, stream: Bool, complete: Bool, finish: String) -> [String] {
        let final = "\"done\":true,\"done_reason\":\(quote(finish)),\"total_duration\":1000000,\"prompt_eval_count\":\(max(1, text.count / 4)),\"eval_count\":\(max(1, text.count / 4))"
        guard stream else {
            return ["{\"model\":\(quote(model)),\"created_at\":\"2026-01-01T00:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":\(quote(text))},\(final)}"]
        }
        var chunks: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            let piece = rest.prefix(48)
            rest = rest.dropFirst(piece.count)
            chunks.append("{\"model\":\(quote(model)),\"created_at\":\"2026-01-01T00:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":\(quote(String(piece)))},\"done\":false}\n")
        }
        if complete {
            chunks.append("{\"model\":\(quote(model)),\"created_at\":\"2026-01-01T00:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\(final)}\n")
        }
        return chunks
    }
}

private func quote(_ text: String) -> String {
    let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
    return String(decoding: data, as: UTF8.self)
}

/// Lets channel handlers reach the server created after the bootstrap.
private final class ServerBox: Sendable {
    let server = Mutex<LoopbackLLMServer?>(nil)
}

private final class HTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let box: ServerBox
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    init(box: ServerBox) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var chunk):
            body.writeBuffer(&chunk)
        case .end:
            guard let head, let server = box.server.withLock({ $0 }) else { return }
            let path = String(head.uri.split(separator: "?").first ?? "")
            let (status, contentType, chunks, reply) = server.respond(method: head.method, path: path, headers: head.headers, body: body)
            if let (reply, request) = reply {
                perform(reply, context: context, server: server, request: request, contentType: contentType)
            } else {
                write(status: status, contentType: contentType, chunks: chunks, context: context, close: false)
            }
        }
    }

    private func perform(_ reply: LoopbackLLMServer.Reply, context: ChannelHandlerContext, server: LoopbackLLMServer, request: LoopbackLLMServer.Request, contentType: String) {
        switch reply {
        case .answer(let text):
            write(status: .ok, contentType: contentType, chunks: server.answerChunks(text, request: request), context: context, close: false)
        case .empty:
            write(status: .ok, contentType: contentType, chunks: server.answerChunks("", request: request), context: context, close: false)
        case .atTokenLimit(let text):
            write(status: .ok, contentType: contentType, chunks: server.answerChunks(text, request: request, finish: "length"), context: context, close: false)
        case .rateLimited(let seconds):
            write(
                status: .tooManyRequests, contentType: "application/json", chunks: [errorBody("rate limited", request.format)], context: context,
                close: false, extraHeaders: [("Retry-After", String(Int(seconds.rounded(.up))))])
        case .garbage(let text):
            write(status: .ok, contentType: "text/html", chunks: [text], context: context, close: false)
        case .status(let code, let message):
            write(status: HTTPResponseStatus(statusCode: code), contentType: "application/json", chunks: [errorBody(message, request.format)], context: context, close: false)
        case .truncated(let text):
            var streamed = request
            streamed.stream = true
            write(status: .ok, contentType: contentType, chunks: server.answerChunks(text, request: streamed, complete: false), context: context, close: true)
        case .hang:
            break
        case .delayed(let seconds, let next):
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
                let (handler, context) = loopBound.value
                handler.perform(next, context: context, server: server, request: request, contentType: contentType)
            }
        }
    }

    private func errorBody(_ message: String, _ format: LoopbackLLMServer.WireFormat) -> String {
        format == .openai ? "{\"error\":{\"message\":\(quote(message)),\"type\":\"server_error\"}}" : "{\"error\":\(quote(message))}"
    }

    private func write(
        status: HTTPResponseStatus, contentType: String, chunks: [String], context: ChannelHandlerContext, close: Bool,
        extraHeaders: [(String, String)] = []
    ) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        if close {
            headers.add(name: "Transfer-Encoding", value: "chunked")
        } else {
            headers.add(name: "Content-Length", value: String(chunks.reduce(0) { $0 + $1.utf8.count }))
        }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        for chunk in chunks {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: chunk)))), promise: nil)
        }
        if close {
            // Cut the stream off: no final chunk, no end of the chunked body.
            context.flush()
            context.close(promise: nil)
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
