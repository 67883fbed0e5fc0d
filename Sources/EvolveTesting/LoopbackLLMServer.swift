import EvolveCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An HTTP server on 127.0.0.1 that speaks Ollama's API (`GET /api/tags`, `POST /api/chat`,
/// streamed as NDJSON or whole) with answers from a script: real HTTP for tests and benchmarks,
/// including garbage, slow, failing and cut-off answers.
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
    }

    public struct ChatTurn: Sendable, Hashable {
        public var role: String
        public var content: String
    }

    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }
    public let models: [String]

    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup
    private let recorded = Mutex<[Request]>([])
    private let script: @Sendable (Request) -> Reply

    /// Starts a server on a free loopback port. `script` decides each chat reply.
    public static func start(
        models: [String] = [LLMConfiguration.defaultModel],
        script: @escaping @Sendable (Request) -> Reply
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
        let server = LoopbackLLMServer(channel: channel, group: group, models: models, script: script)
        box.server.withLock { $0 = server }
        return server
    }

    /// A server that answers each request with the next reply of `replies`, repeating the last one.
    public static func start(models: [String] = [LLMConfiguration.defaultModel], replies: [Reply]) async throws -> LoopbackLLMServer {
        try await start(models: models) { request in
            replies.isEmpty ? .empty : replies[min(request.index, replies.count - 1)]
        }
    }

    private init(channel: any Channel, group: MultiThreadedEventLoopGroup, models: [String], script: @escaping @Sendable (Request) -> Reply) {
        self.channel = channel
        self.group = group
        self.models = models
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

    fileprivate func respond(method: HTTPMethod, path: String, body: ByteBuffer) -> (HTTPResponseStatus, String, [String], (Reply, Request)?) {
        switch (method, path) {
        case (.GET, "/api/tags"):
            let list = models.map { "{\"name\":\(quote($0)),\"model\":\(quote($0)),\"modified_at\":\"2026-01-01T00:00:00Z\",\"size\":1,\"digest\":\"0\",\"details\":{}}" }
            return (.ok, "application/json", ["{\"models\":[\(list.joined(separator: ","))]}"], nil)
        case (.GET, "/"):
            return (.ok, "text/plain", ["Ollama is running"], nil)
        case (.POST, "/api/chat"):
            let text = String(buffer: body)
            guard let data = text.data(using: .utf8),
                let object = try? JSONDecoder().decode([String: JSONValue].self, from: data),
                case .string(let model)? = object["model"]
            else {
                return (.badRequest, "application/json", ["{\"error\":\"invalid request body\"}"], nil)
            }
            guard models.contains(model) else {
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
            var options: [String: JSONValue] = [:]
            if case .object(let value)? = object["options"] { options = value }
            let request = recorded.withLock { list -> Request in
                let request = Request(index: list.count, path: path, model: model, messages: turns, stream: stream, options: options, body: text)
                list.append(request)
                return request
            }
            return (.ok, stream ? "application/x-ndjson" : "application/json", [], (script(request), request))
        default:
            return (.notFound, "text/plain", ["404 page not found"], nil)
        }
    }

    /// The body chunks of a well-formed chat answer.
    fileprivate func answerChunks(_ text: String, model: String, stream: Bool, complete: Bool = true) -> [String] {
        let final = "\"done\":true,\"done_reason\":\"stop\",\"total_duration\":1000000,\"prompt_eval_count\":\(max(1, text.count / 4)),\"eval_count\":\(max(1, text.count / 4))"
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
            let (status, contentType, chunks, reply) = server.respond(method: head.method, path: path, body: body)
            if let (reply, request) = reply {
                perform(reply, context: context, server: server, model: request.model, stream: request.stream, contentType: contentType)
            } else {
                write(status: status, contentType: contentType, chunks: chunks, context: context, close: false)
            }
        }
    }

    private func perform(_ reply: LoopbackLLMServer.Reply, context: ChannelHandlerContext, server: LoopbackLLMServer, model: String, stream: Bool, contentType: String) {
        switch reply {
        case .answer(let text):
            write(status: .ok, contentType: contentType, chunks: server.answerChunks(text, model: model, stream: stream), context: context, close: false)
        case .empty:
            write(status: .ok, contentType: contentType, chunks: server.answerChunks("", model: model, stream: stream), context: context, close: false)
        case .garbage(let text):
            write(status: .ok, contentType: "text/html", chunks: [text], context: context, close: false)
        case .status(let code, let message):
            write(status: HTTPResponseStatus(statusCode: code), contentType: "application/json", chunks: ["{\"error\":\(quote(message))}"], context: context, close: false)
        case .truncated(let text):
            write(status: .ok, contentType: contentType, chunks: server.answerChunks(text, model: model, stream: true, complete: false), context: context, close: true)
        case .hang:
            break
        case .delayed(let seconds, let next):
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
                let (handler, context) = loopBound.value
                handler.perform(next, context: context, server: server, model: model, stream: stream, contentType: contentType)
            }
        }
    }

    private func write(status: HTTPResponseStatus, contentType: String, chunks: [String], context: ChannelHandlerContext, close: Bool) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
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
