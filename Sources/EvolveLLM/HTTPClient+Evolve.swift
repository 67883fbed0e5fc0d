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

/// What a failed request (before any answer arrived) means to a run: a deadline is a timeout,
/// cancellation stays cancellation, anything else is a lost or refused connection. Shared by
/// every client so that the same failure is counted as the same kind of fault.
func transportError(_ error: any Error, server: String, timeout: Double) -> any Error {
    if error is CancellationError { return error }
    if let error = error as? HTTPClientError {
        switch error {
        case .deadlineExceeded, .readTimeout, .connectTimeout:
            return LLMError(.timeout, "\(server) did not answer within \(Int(timeout)) s")
        case .cancelled:
            return CancellationError()
        default: break
        }
    }
    if Task.isCancelled { return CancellationError() }
    return LLMError(.unreachable, "lost the connection to \(server): \(OllamaClient.describe(error))")
}
