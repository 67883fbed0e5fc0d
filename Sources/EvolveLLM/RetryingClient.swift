import EvolveCore
import Foundation

/// A model fault: one failed request, retried or not (the same value the run's events carry).
public typealias LLMFault = EvolutionEvent.ModelFault

/// Retries transient failures of another client: connection errors, timeouts, cut-off or empty
/// answers, 5xx, 408 and 429, waiting `Retry-After` when the server says how long, else an
/// exponential backoff with full jitter (a random wait up to base·2ⁿ, at most `maxDelay`).
/// Other 4xx answers fail at once. Every failure is reported to `onFault`.
public struct RetryingClient: LLMClient {
    public var inner: any LLMClient
    /// Requests in all: the first plus retries.
    public var maxAttempts: Int
    public var baseDelay: Double
    public var maxDelay: Double
    public var onFault: @Sendable (LLMFault) async -> Void

    public init(
        _ inner: any LLMClient, maxAttempts: Int = 4, baseDelay: Double = 0.5, maxDelay: Double = 20,
        onFault: @escaping @Sendable (LLMFault) async -> Void = { _ in }
    ) {
        self.inner = inner
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.onFault = onFault
    }

    public var model: String { inner.model }
    public var endpoint: String { inner.endpoint }

    public func checkAvailability() async throws {
        try await inner.checkAvailability()
    }

    public func report(model: String, improved: Bool) {
        inner.report(model: model, improved: improved)
    }

    public func observeFaults(_ handler: @escaping @Sendable (LLMFault) async -> Void) {
        inner.observeFaults(handler)
    }

    public func chat(_ messages: [ChatMessage], options: GenerationOptions) async throws -> ChatResponse {
        var attempt = 1
        while true {
            do {
                return try await inner.chat(messages, options: options)
            } catch let error as LLMError {
                let retry = error.isTransient && attempt < maxAttempts
                await onFault(LLMFault(model: inner.model, kind: error.faultKind, message: error.message, willRetry: retry))
                guard retry else { throw error }
                try await Task.sleep(for: .milliseconds(Int64(delay(after: attempt, retryAfter: error.retryAfter) * 1000)))
                attempt += 1
            }
        }
    }

    /// Seconds to wait before attempt `attempt + 1`.
    public func delay(after attempt: Int, retryAfter: Double?) -> Double {
        if let retryAfter, retryAfter >= 0 { return min(retryAfter, maxDelay * 3) }
        let ceiling = min(maxDelay, baseDelay * pow(2, Double(attempt - 1)))
        return Double.random(in: 0...ceiling)
    }
}
