import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// A run assembled by `RunBuilder`: its problem, directory, model client, sandbox, store and
/// controller. `execute` runs it to its end under a `ServiceGroup`.
public struct Run: Sendable {
    public let problem: Problem
    public let directory: RunDirectory
    public let controller: Controller
    public let llm: any LLMClient
    public let sandbox: any Sandbox
    public let store: any ProgramStore
    let eventLog: EventLog
    /// Held for as long as the run is assembled: no other process executes it meanwhile.
    let lock: RunLock

    /// The run's events, for any number of subscribers. Subscribe before `execute` to see them all.
    public var events: EventBus { controller.events }

    /// Runs the pipeline until its target, its budget, a harness failure or a graceful shutdown:
    /// the first of `signals` (SIGINT and SIGTERM by default) cancels the run gracefully (running
    /// evaluations are killed, the store keeps everything committed), after `onShutdown` is called.
    /// Every event goes to the run's `events.jsonl`.
    public func execute(
        signals: [UnixSignal] = [.sigint, .sigterm], logger: Logger, onShutdown: @escaping @Sendable () -> Void = {}
    ) async throws -> RunSummary {
        let pipeline = PipelineService(run: self, onShutdown: onShutdown)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: pipeline, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: signals, logger: logger))
        try await group.run()
        return try pipeline.outcome()
    }
}

/// The controller as a service: graceful shutdown cancels the run, which then ends as interrupted.
final class PipelineService: Service, Sendable {
    let run: Run
    let onShutdown: @Sendable () -> Void
    private let result = Mutex<Result<RunSummary, any Error>?>(nil)

    init(run: Run, onShutdown: @escaping @Sendable () -> Void) {
        self.run = run
        self.onShutdown = onShutdown
    }

    func run() async throws {
        // The event log follows the run in a child task and ends with the run's last event.
        let events = run.events.subscribe()
        let log = run.eventLog
        async let logged: Void = { for await event in events { log.write(event) } }()
        let controller = run.controller
        let path = run.directory.url.path
        let onShutdown = self.onShutdown
        let outcome: Result<RunSummary, any Error>
        do {
            outcome = .success(try await withGracefulShutdownHandler {
                try await cancelWhenGracefulShutdown { try await controller.run(runDirectory: path) }
            } onGracefulShutdown: {
                onShutdown()
            })
        } catch {
            outcome = .failure(error)
        }
        await logged
        result.withLock { $0 = outcome }
    }

    func outcome() throws -> RunSummary {
        guard let outcome = result.withLock({ $0 }) else { throw CancellationError() }
        return try outcome.get()
    }
}
