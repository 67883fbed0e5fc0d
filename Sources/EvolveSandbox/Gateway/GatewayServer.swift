import EvolveCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The model gateway's HTTP/1.1 server on a unix socket (NIO), one request per connection.
///
/// A fresh sandbox's evaluation has a server of its own (`with(session:in:_:)`); a reused or warm
/// gVisor sandbox keeps one for its lifetime and hands it each evaluation's session in turn
/// (`session`), answering 503 between evaluations. Stopping the server closes its socket and
/// cancels what it was forwarding.
public final class GatewayServer: Sendable {
    /// The socket's path on the host.
    public let socketPath: String
    /// The folder made for the socket, bound into a container sandbox; removed by `stop`.
    public let directory: URL
    /// The evaluation whose requests are being answered; nil between evaluations.
    public let session: Mutex<GatewaySession?>
    private let channel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
    private let serving = Mutex<Task<Void, Never>?>(nil)

    private init(
        socketPath: String, directory: URL, session: GatewaySession?,
        channel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
    ) {
        self.socketPath = socketPath
        self.directory = directory
        self.session = Mutex(session)
        self.channel = channel
    }

    /// Starts a server whose socket is `model.sock` in a new folder: inside `preferred` when the
    /// path fits a unix socket address, else under the system's temporary folder. The folder is
    /// world-readable and the socket world-writable, so that uid 65534 in a sandbox can connect.
    public static func start(session: GatewaySession?, in preferred: URL) async throws -> GatewayServer {
        let directory = try makeDirectory(preferring: preferred)
        let path = directory.appendingPathComponent(ModelGateway.socketName).path
        let channel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: 64)
                .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true) { child in
                    child.eventLoop.makeCompletedFuture {
                        try child.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: child)
                    }
                }
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw SandboxError(.setupFailed, "could not start the model gateway on \(path): \(error)")
        }
        _ = chmod(path, 0o666)
        let server = GatewayServer(socketPath: path, directory: directory, session: session, channel: channel)
        server.serving.withLock { $0 = Task { await server.serve() } }
        return server
    }

    /// Runs `body` with a server answering for `session`, and stops it when `body` returns or throws.
    public static func with<T: Sendable>(
        session: GatewaySession, in preferred: URL, isolation: isolated (any Actor)? = #isolation, _ body: (GatewayServer) async throws -> T
    ) async throws -> T {
        let server = try await start(session: session, in: preferred)
        do {
            let value = try await body(server)
            await server.stop()
            return value
        } catch {
            await server.stop()
            throw error
        }
    }

    /// Closes the socket, cancels what is being forwarded, and removes the socket's folder.
    public func stop() async {
        try? await channel.channel.close()
        let task = serving.withLock { $0 }
        task?.cancel()
        await task?.value
        try? FileManager.default.removeItem(at: directory)
    }

    private func serve() async {
        await withDiscardingTaskGroup { group in
            try? await channel.executeThenClose { inbound in
                for try await connection in inbound {
                    group.addTask { await self.handle(connection) }
                }
            }
            group.cancelAll()
        }
    }

    /// Reads one request (its body kept up to `ModelGateway.bodyLimit` bytes), answers it and
    /// closes. A longer body is read to its end and dropped, so that the client, still sending,
    /// gets the 413 rather than a broken pipe; past `discardLimit` the connection is just closed.
    private func handle(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        try? await connection.executeThenClose { inbound, outbound in
            var request: GatewayExchange.Request?
            var received = 0
            for try await part in inbound {
                switch part {
                case .head(let head):
                    let headers = head.headers.map { (name: $0.name, value: $0.value) }
                    let declared = head.headers.first(name: "content-length").flatMap(Int.init) ?? 0
                    if declared > Self.discardLimit { return }
                    request = GatewayExchange.Request(
                        method: head.method.rawValue, uri: head.uri, headers: headers, body: Data(), tooLarge: declared > ModelGateway.bodyLimit)
                case .body(let chunk):
                    received += chunk.readableBytes
                    if received > Self.discardLimit { return }
                    guard var current = request, !current.tooLarge else { continue }
                    if received > ModelGateway.bodyLimit {
                        current.tooLarge = true
                        current.body = Data()
                    } else {
                        current.body.append(contentsOf: chunk.readableBytesView)
                    }
                    request = current
                case .end:
                    guard let request else { return }
                    try await reply(to: request, on: outbound)
                    return
                }
            }
        }
    }

    /// The longest body read (and dropped) before the connection is closed without an answer.
    static let discardLimit = 16 << 20

    private func reply(to request: GatewayExchange.Request, on outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>) async throws {
        let answer: GatewayExchange.Reply
        if let session = session.withLock({ $0 }) {
            answer = await session.exchange.answer(request, session: session)
        } else {
            answer = GatewayExchange.error(503, code: "no_evaluation", "no evaluation is running in this sandbox")
        }
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", "\(answer.body.count)"), ("Connection", "close")])
        for (name, value) in answer.headers { headers.add(name: name, value: value) }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: answer.status), headers: headers)
        try await outbound.write(.head(head))
        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: answer.body))))
        try await outbound.write(.end(nil))
    }

    /// A new folder for the socket, mode 755: inside `preferred` if the socket's path stays within
    /// the 107 bytes of a unix socket address, else in the temporary folder.
    static func makeDirectory(preferring preferred: URL) throws -> URL {
        let name = "gateway-" + String(UInt64.random(in: 0...0xFFFF_FFFF), radix: 16)
        var directory = preferred.appendingPathComponent(name)
        if directory.path.utf8.count + 1 + ModelGateway.socketName.utf8.count > 100 {
            directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("evolve-" + name)
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw SandboxError(.setupFailed, "could not make the model gateway's folder \(directory.path): \(error.localizedDescription)")
        }
        _ = chmod(directory.path, 0o755)
        return directory
    }
}
