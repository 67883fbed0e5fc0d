import EvolveCore
import EvolveDatabase
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The read-only web page of a run (or of a problem's runs): the page itself, a JSON API over
/// the runs' stores, a live stream of new programs, and `/metrics` when a Prometheus registry is given.
/// Only GET routes exist: nothing here changes a run.
public struct WebServer: Sendable {
    public let configuration: WebConfiguration
    public let catalog: RunCatalog
    public let registry: PrometheusCollectorRegistry?
    public let logger: Logger
    let lifetime = Lifetime()

    public init(configuration: WebConfiguration, catalog: RunCatalog, registry: PrometheusCollectorRegistry? = nil, logger: Logger) {
        self.configuration = configuration
        self.catalog = catalog
        self.registry = registry
        self.logger = logger
    }

    /// Serves until a signal in `signals` (or cancellation) stops it; `onListening` gets the bound port.
    public func run(signals: [UnixSignal] = [.sigint, .sigterm], onListening: @escaping @Sendable (Int) -> Void) async throws {
        let lifetime = self.lifetime
        try await withGracefulShutdownHandler {
            try await application(onListening: onListening).runService(gracefulShutdownSignals: signals)
        } onGracefulShutdown: {
            lifetime.stop()
        }
    }

    /// Serves while `body` runs, and stops (live streams included) when it returns or throws.
    public func serving<T: Sendable>(_ body: (Int) async throws -> T) async throws -> T {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let group = ServiceGroup(configuration: .init(
            services: [application(onListening: { portContinuation.yield($0); portContinuation.finish() })],
            gracefulShutdownSignals: [], logger: logger))
        let lifetime = self.lifetime
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { portContinuation.finish() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                try await tasks.next()
                throw WebServerError("the web server stopped before it listened on \(configuration.host):\(configuration.port)")
            }
            do {
                let result = try await body(port)
                lifetime.stop()
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                lifetime.stop()
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }

    func application(onListening: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        Application(
            router: router(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "evolve"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
    }
}

/// The server could not start.
public struct WebServerError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Set when the server stops, so that live streams end instead of holding their connections.
final class Lifetime: Sendable {
    private let stopped = Mutex(false)
    func stop() { stopped.withLock { $0 = true } }
    var isStopped: Bool { stopped.withLock { $0 } }
}
