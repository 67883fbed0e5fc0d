import AsyncHTTPClient
import NIOCore
import NIOPosix

extension HTTPClient {
    /// The process-wide client for model servers. Unlike `HTTPClient.shared` it does not retry a
    /// refused connection until the request's deadline, so a stopped server is reported at once.
    public static let evolve: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }()
}

/// Runs `body`, throwing `error()` if it has not finished within `seconds` (the body is cancelled).
func withDeadline<T: Sendable>(
    seconds: Double, error: @escaping @Sendable () -> any Error, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        guard let value = first else { throw error() }
        return value
    }
}
