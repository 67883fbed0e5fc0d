import Foundation
import Synchronization

/// Runs `body` but stops waiting after `seconds`: returns nil when the time ran out (the body's
/// task is then cancelled and left to finish on its own), so a hanging call fails a test instead
/// of hanging the test run.
func outcome<T: Sendable>(within seconds: Double, _ body: @escaping @Sendable () async throws -> T) async -> Result<T, any Error>? {
    let once = Once<Result<T, any Error>?>()
    return await withCheckedContinuation { continuation in
        once.set(continuation)
        let work = Task {
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            once.resume(with: result)
        }
        Task {
            try? await Task.sleep(for: .seconds(seconds))
            if once.resume(with: nil) { work.cancel() }
        }
    }
}

/// A continuation resumed by whoever comes first.
final class Once<Value: Sendable>: Sendable {
    private let state = Mutex<CheckedContinuation<Value, Never>?>(nil)

    func set(_ continuation: CheckedContinuation<Value, Never>) {
        state.withLock { $0 = continuation }
    }

    @discardableResult
    func resume(with value: Value) -> Bool {
        guard let continuation = state.withLock({ $0.take() }) else { return false }
        continuation.resume(returning: value)
        return true
    }
}

/// Seconds elapsed since `start`.
func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = start.duration(to: .now)
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}

/// The JSON object in `text`, or an empty dictionary.
func jsonObject(_ text: String) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
}
