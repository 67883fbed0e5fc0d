import EvolveCore
import Synchronization

/// A run's events, delivered to any number of subscribers (terminal, JSONL log, metrics, a web
/// page), each through its own `AsyncStream`, in the order they were emitted.
///
/// A slow subscriber never stalls the run: each subscription buffers up to `bufferSize` events
/// that its reader has not taken yet; past that, its oldest undelivered events are dropped (and
/// counted in `droppedEvents`), so it always sees the newest. A subscription made after the run
/// finished ends at once; one made while the run goes on sees the events from then on.
public final class EventBus: Sendable {
    public static let defaultBufferSize = 10_000

    private struct State {
        var subscribers: [Int: AsyncStream<EvolutionEvent>.Continuation] = [:]
        var nextID = 0
        var finished = false
        var dropped = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// A new stream of the events emitted from now on.
    public func subscribe(bufferSize: Int = EventBus.defaultBufferSize) -> AsyncStream<EvolutionEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: EvolutionEvent.self, bufferingPolicy: .bufferingNewest(max(1, bufferSize)))
        let id: Int? = state.withLock { state in
            guard !state.finished else { return nil }
            defer { state.nextID += 1 }
            state.subscribers[state.nextID] = continuation
            return state.nextID
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    public func emit(_ event: EvolutionEvent) {
        state.withLock { state in
            for continuation in state.subscribers.values {
                if case .dropped = continuation.yield(event) { state.dropped += 1 }
            }
        }
    }

    /// Ends every subscription once its buffered events are read; later subscriptions end at once.
    public func finish() {
        let subscribers = state.withLock { state in
            state.finished = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        subscribers.forEach { $0.finish() }
    }

    /// Events dropped, over all subscribers, because a subscriber's buffer was full.
    public var droppedEvents: Int { state.withLock { $0.dropped } }
}
