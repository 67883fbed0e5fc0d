import Foundation
import Synchronization

/// Why a sandbox stopped an evaluation before it ended by itself.
enum StopReason: Sendable, Hashable { case timeout, outputTooLarge, cancelled }

/// Supervises one evaluation from outside, whatever runs it (a local process group, a gVisor
/// sandbox, a container behind the Docker API, a Slurm job): a wall clock and, optionally, a cap on
/// the output it has written each stop it — once, through `stop`, with the reason — and so does the
/// cancellation of the calling task. The evaluation's own end is the return of `wait`.
///
/// After a stop, `wait` has `grace` to return (a killed process group ends at once; a container
/// engine may be slow to close its log stream); past that the watchdog stops waiting for it.
/// This is the one teardown model every backend uses (after swift-subprocess's `Teardown.swift`).
struct Watchdog: Sendable {
    /// The output written so far and how much is allowed, polled while the evaluation runs.
    struct OutputCap: Sendable {
        var limit: Int
        var written: @Sendable () -> Int
    }

    /// What came of one supervised evaluation.
    struct Outcome<Value: Sendable>: Sendable {
        /// What `wait` returned or threw; nil when it had not returned within the grace after a stop.
        var ended: Result<Value, any Error>?
        /// Why the watchdog stopped the evaluation, if it did.
        var stopped: StopReason?
    }

    var timeout: Double
    var output: OutputCap?
    var grace: Duration = .seconds(10)
    /// How often the output cap is checked.
    var pollInterval: Duration = .milliseconds(50)

    private enum Event<Value: Sendable>: Sendable {
        case ended(Result<Value, any Error>)
        case limitPassed
        case graceOver
        case watcherCancelled
    }

    /// Waits for the evaluation through `wait`, stopping it through `stop` when a limit is passed or
    /// the calling task is cancelled. `stop` is called at most once.
    func supervise<Value: Sendable>(
        wait: @escaping @Sendable () async throws -> Value,
        stop: @escaping @Sendable (StopReason) async -> Void
    ) async -> Outcome<Value> {
        let stopped = Mutex<StopReason?>(nil)
        let stopOnce: @Sendable (StopReason) async -> Void = { reason in
            let first = stopped.withLock { current -> Bool in
                guard current == nil else { return false }
                current = reason
                return true
            }
            if first { await stop(reason) }
        }
        let ended: Result<Value, any Error>? = await withTaskGroup(of: Event<Value>.self) { tasks in
            tasks.addTask {
                do { return .ended(.success(try await wait())) } catch { return .ended(.failure(error)) }
            }
            tasks.addTask { await watch(stopOnce) }
            while let event = await tasks.next() {
                switch event {
                case .ended(let result):
                    tasks.cancelAll()
                    return result
                case .limitPassed:
                    let grace = self.grace
                    tasks.addTask {
                        do { try await Task.sleep(for: grace) } catch { return .watcherCancelled }
                        return .graceOver
                    }
                case .graceOver:
                    tasks.cancelAll()
                    return nil
                case .watcherCancelled:
                    continue
                }
            }
            return nil
        }
        if Task.isCancelled { await stopOnce(.cancelled) }
        return Outcome(ended: ended, stopped: stopped.withLock { $0 })
    }

    /// Sleeps until the wall clock runs out or the output passes its cap, then stops the evaluation.
    private func watch<Value>(_ stop: @Sendable (StopReason) async -> Void) async -> Event<Value> {
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        do {
            guard let output else {
                try await Task.sleep(until: deadline, clock: .continuous)
                await stop(.timeout)
                return .limitPassed
            }
            while true {
                try await Task.sleep(for: min(pollInterval, max(.zero, ContinuousClock.now.duration(to: deadline))))
                if ContinuousClock.now >= deadline {
                    await stop(.timeout)
                    return .limitPassed
                }
                if output.written() > output.limit {
                    await stop(.outputTooLarge)
                    return .limitPassed
                }
            }
        } catch {
            return .watcherCancelled
        }
    }
}
