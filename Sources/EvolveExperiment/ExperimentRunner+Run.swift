import EvolveController
import EvolveCore
import EvolveDatabase
import Foundation
import Logging
import UnixSignals

extension ExperimentRunner {
    /// Runs every unfinished run, then writes the report into the output directory: of the spec's
    /// runs, and after them any other runs already in it (another spec's that shares the directory),
    /// so that the report of a shared directory always holds all its runs.
    public func run() async throws -> Outcome {
        let runs = try plan()
        let todo = runs.filter { !$0.isFinished }
        let progress = ExperimentProgress(total: runs.count, done: runs.count - todo.count, say: self.progress)
        if todo.count < runs.count { progress.report("\(runs.count - todo.count) runs finished earlier are kept") }
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        if let calls = spec.budget.modelCalls {
            try "\(calls)\n".write(to: output.appendingPathComponent(Self.budgetFileName), atomically: true, encoding: .utf8)
        }
        let width = concurrency(for: todo)
        if width < (jobs ?? spec.concurrency), width == 1 {
            progress.report("one run at a time (the bundled model and the gVisor backend serve one run per process)")
        }
        let watcher = await watchStopSignals(progress)
        defer { watcher?.cancel() }
        try await runAll(todo, width: width, progress: progress)
        let report = try await Self.report(of: runs, alongside: output, maxCalls: spec.budget.modelCalls)
        try report.write(to: output, title: "Experiment \(spec.file.deletingPathExtension().lastPathComponent)")
        let counts = progress.snapshot
        return Outcome(
            finished: counts.done, skipped: runs.count - todo.count, failed: counts.failed, interrupted: counts.interrupted,
            elsewhere: counts.elsewhere, stopped: counts.stopping, report: report)
    }

    /// Runs `todo`, `width` at once, until all have ended or the experiment is stopped.
    private func runAll(_ todo: [PlannedRun], width: Int, progress: ExperimentProgress) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = todo.makeIterator()
            func startNext(_ group: inout ThrowingTaskGroup<Void, any Error>) {
                guard !progress.isStopping, let run = next.next() else { return }
                progress.started(run.label)
                group.addTask {
                    if let peer = run.peer { return await executePeer(run, peer: peer, progress: progress) }
                    do {
                        let summary = try await execute(run, progress: progress)
                        guard summary.reason != .interrupted else { return progress.interrupted(run.label) }
                        progress.finished(run.label, "\(summary.reason.rawValue), best \(summary.best?.score.map { "\($0)" } ?? "none")")
                    } catch let error as RunSetupError where error.code == .inUse {
                        progress.elsewhere(run.label)
                    } catch let error as RunSetupError where error.code != .store {
                        progress.aborted()
                        throw error
                    } catch {
                        progress.failed(run.label, "\(error)")
                    }
                }
            }
            for _ in 0..<width { startNext(&group) }
            while try await group.next() != nil { startNext(&group) }
        }
    }

    /// Follows `stopSignals` for the whole experiment, also between runs (each run handles the
    /// same signals itself and ends as interrupted); nil without stop signals.
    private func watchStopSignals(_ progress: ExperimentProgress) async -> Task<Void, Never>? {
        guard !stopSignals.isEmpty else { return nil }
        let signals = await UnixSignalsSequence(trapping: stopSignals)
        return Task {
            for await _ in signals { requestStop(progress) }
        }
    }

    /// Stops the experiment; the first request calls `onStop`.
    func requestStop(_ progress: ExperimentProgress) {
        if progress.stop() { onStop() }
    }

    /// One peer run: started anew (a peer cannot resume), recorded as failed when the peer could
    /// not run; its measurement and marker are kept like a run's.
    func executePeer(_ planned: PlannedRun, peer: ExperimentSpec.Peer, progress: ExperimentProgress) async {
        do {
            var configuration = planned.problem.configuration
            _ = runOverrides.apply(to: &configuration)
            var problem = planned.problem
            problem.configuration = configuration
            guard let calls = spec.budget.modelCalls else {
                throw PeerArmError("a peer arm needs `budget.model_calls` in the spec (the same budget of calls for every arm)")
            }
            try FileManager.default.createDirectory(at: planned.directory.url, withIntermediateDirectories: true)
            let lock = try RunLock.acquire(planned.directory)
            defer { withExtendedLifetime(lock) {} }
            let arm = PeerArm(
                peer: peer, problem: problem, directory: planned.directory.url, budget: calls, seed: planned.seed,
                server: try PeerArm.server(for: configuration.llm, overrides: runOverrides, environment: environment),
                cache: PeerArm.defaultCache(environment: environment), logger: logger)
            guard let measurement = try await Self.untilStopped(progress, { try await arm.run(label: planned.label) }) else {
                return progress.interrupted(planned.label)
            }
            // A peer that made no call failed to start (or its server did): the report shows why,
            // and the run is tried again next time rather than kept as finished.
            if let error = measurement.peerError, measurement.modelCalls == 0 { throw PeerArmError(error) }
            let best = measurement.best.last.flatMap { $0 } ?? measurement.initialScore
            let marker = FinishedMarker(
                reason: "peer", iterations: measurement.modelCalls, bestScore: best, programs: measurement.children,
                sessionSeconds: measurement.wallSeconds, finishedAt: Date())
            try Self.writeMarker(marker, to: planned.markerURL)
            progress.finished(planned.label, "\(peer.rawValue), \(measurement.modelCalls) calls, best \(best.map { "\($0)" } ?? "none")")
        } catch let error as RunSetupError where error.code == .inUse {
            progress.elsewhere(planned.label)
        } catch {
            if Task.isCancelled { return progress.interrupted(planned.label) }
            progress.failed(planned.label, "\(error)")
        }
    }

    /// `body`'s value, or nil once the experiment is asked to stop (Ctrl-C, SIGTERM): `body` is
    /// then cancelled. Evolve's own runs stop on the signal themselves; a peer run needs this.
    static func untilStopped<Value: Sendable>(
        _ progress: ExperimentProgress, _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value? {
        try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                while !progress.isStopping { try await Task.sleep(for: .milliseconds(200)) }
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }

    static func writeMarker(_ marker: FinishedMarker, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try encoder.encode(marker).write(to: url, options: .atomic)
    }

    /// One run: new, or resumed when its directory already holds a database. An interrupted run
    /// leaves no marker, so the next start resumes it; its stop signal stops the experiment.
    func execute(_ planned: PlannedRun, progress: ExperimentProgress) async throws -> RunSummary {
        var overrides = runOverrides
        overrides.resume = planned.directory.exists
        overrides.runDirectory = planned.directory.url.path
        let builder = RunBuilder(problem: planned.problem, overrides: overrides, environment: environment, logger: logger)
        let summary = try await builder.withRun { run in
            try await run.execute(signals: stopSignals, logger: logger, onShutdown: { requestStop(progress) })
        }
        if summary.reason != .interrupted {
            let marker = FinishedMarker(
                reason: summary.reason.rawValue, iterations: summary.iterations, bestScore: summary.best?.score,
                programs: summary.programs, sessionSeconds: summary.elapsedSeconds, finishedAt: Date())
            try Self.writeMarker(marker, to: planned.markerURL)
        }
        return summary
    }

    /// A run of an experiment directory, by its place in `runs/<problem>/<variant>/seed-<n>`.
    typealias StoredRun = (problem: String, variant: String, seed: UInt64, directory: RunDirectory)

    /// The report of the runs that have a database, then of the other runs in `directory`.
    static func report(of runs: [PlannedRun], alongside directory: URL, maxCalls: Int?) async throws -> ExperimentReport {
        let planned = Set(runs.map { $0.directory.url.standardizedFileURL.path })
        let others = try storedRuns(in: directory).filter { !planned.contains($0.directory.url.standardizedFileURL.path) }
        let stored = runs.filter(\.hasRecord).map { StoredRun($0.problemName, $0.variant, $0.seed, $0.directory) } + others
        return ExperimentReport(runs: try await measurements(of: stored), maxCalls: maxCalls)
    }

    /// Recomputes the report of an experiment directory from its run databases (`evolve report`).
    public static func report(experiment directory: URL) async throws -> ExperimentReport {
        let budget = (try? String(contentsOf: directory.appendingPathComponent(budgetFileName), encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        return ExperimentReport(runs: try await measurements(of: storedRuns(in: directory)), maxCalls: budget)
    }

    static func measurements(of runs: [StoredRun]) async throws -> [RunMeasurement] {
        var measurements: [RunMeasurement] = []
        for run in runs {
            if let peer = PeerArm.storedMeasurement(in: run.directory.url) {
                measurements.append(peer)
                continue
            }
            measurements.append(try await RunMeasurement.read(run.directory, problem: run.problem, variant: run.variant, seed: run.seed))
        }
        return measurements
    }

    /// Every run with a database in an experiment directory, in name order.
    static func storedRuns(in directory: URL) throws -> [StoredRun] {
        let runs = directory.appendingPathComponent(runsFolder)
        let fileManager = FileManager.default
        guard fileManager.fileExists(atPath: runs.path) else { return [] }
        var stored: [StoredRun] = []
        for problem in try fileManager.contentsOfDirectory(atPath: runs.path).sorted() where !problem.hasPrefix(".") {
            let problemURL = runs.appendingPathComponent(problem)
            for variant in (try? fileManager.contentsOfDirectory(atPath: problemURL.path))?.sorted() ?? [] where !variant.hasPrefix(".") {
                let variantURL = problemURL.appendingPathComponent(variant)
                let seeds = ((try? fileManager.contentsOfDirectory(atPath: variantURL.path)) ?? [])
                    .compactMap { name in name.hasPrefix("seed-") ? UInt64(name.dropFirst(5)) : nil }.sorted()
                for seed in seeds {
                    let run = RunDirectory(url: variantURL.appendingPathComponent("seed-\(seed)"))
                    if run.exists || PeerArm.storedMeasurement(in: run.url) != nil { stored.append((problem, variant, seed, run)) }
                }
            }
        }
        return stored
    }

    /// Holds the experiment's model-call budget, so that `evolve report` reports the same budgets.
    public static let budgetFileName = "model_call_budget"
}

/// What `finished.json` records about a run that ended.
struct FinishedMarker: Codable {
    var reason: String
    var iterations: Int
    var bestScore: Double?
    var programs: Int
    var sessionSeconds: Double
    var finishedAt: Date
}
