import EvolveController
import EvolveCore
import EvolveDatabase
import Foundation
import Logging
import UnixSignals

/// Runs an experiment: every problem × variant × seed of a spec as an ordinary Evolve run in
/// `OUT/runs/<problem>/<variant>/seed-<n>/`, several at once, each under the spec's budget. A run
/// that ended (target reached or budget spent) leaves `finished.json` and is skipped when the
/// experiment starts again; a run without it is resumed where it stopped. The report is written
/// at the end.
public struct ExperimentRunner: Sendable {
    /// One run of the experiment.
    public struct PlannedRun: Sendable {
        public var problemName: String
        public var variant: String
        public var seed: UInt64
        public var problem: Problem
        public var directory: RunDirectory
        /// The peer system this run is made by, if it is a peer arm's.
        public var peer: ExperimentSpec.Peer?
        public var label: String { "\(problemName)/\(variant)/seed-\(seed)" }
        public var isFinished: Bool { FileManager.default.fileExists(atPath: markerURL.path) }
        var markerURL: URL { directory.url.appendingPathComponent(ExperimentRunner.markerName) }
        /// The run has something to report: its database, or a peer's measurement.
        var hasRecord: Bool { directory.exists || PeerArm.storedMeasurement(in: directory.url) != nil }
    }

    /// What became of an experiment.
    public struct Outcome: Sendable {
        public var finished: Int
        public var skipped: Int
        /// Runs that stopped on a harness failure, with the message (they are resumed next time).
        public var failed: [(run: String, message: String)]
        /// Runs a stop signal interrupted (they are resumed next time).
        public var interrupted: Int
        /// Runs another process was executing (it holds their lock), left to it.
        public var elsewhere: Int
        /// True when a signal stopped the experiment before every run ended.
        public var stopped: Bool
        public var report: ExperimentReport
    }

    public static let markerName = "finished.json"
    public static let runsFolder = "runs"

    public var spec: ExperimentSpec
    public var output: URL
    /// Runs at once; nil takes the spec's `concurrency`.
    public var jobs: Int?
    /// Model and sandbox for every run (flags outrank the spec's `model`).
    public var overrides: RunOverrides
    public var environment: [String: String]
    public var logger: Logger
    /// Progress lines for the user.
    public var progress: @Sendable (String) -> Void
    /// Signals that stop the experiment gracefully (none by default): the runs in progress end as
    /// interrupted, saved and resumable, no other run starts, and the report is written.
    public var stopSignals: [UnixSignal] = []
    /// Called on the first stop signal.
    public var onStop: @Sendable () -> Void = {}

    public init(
        spec: ExperimentSpec, output: URL, jobs: Int? = nil, overrides: RunOverrides = RunOverrides(),
        environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger,
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.spec = spec
        self.output = output.standardizedFileURL
        self.jobs = jobs
        self.overrides = overrides
        self.environment = environment
        self.logger = logger
        self.progress = progress
    }

    /// Every run of the experiment, its configuration checked, in problem, variant, seed order.
    public func plan() throws -> [PlannedRun] {
        var runs: [PlannedRun] = []
        for directory in spec.problems {
            let base: Problem
            do {
                base = try Problem.load(from: directory)
            } catch {
                throw RunSetupError(.invalidConfiguration, "\(error)")
            }
            let name = ExperimentSpec.name(of: directory)
            for (index, variant) in spec.variants.enumerated() {
                for seed in spec.seeds {
                    var problem = base
                    do {
                        problem.configuration = try spec.configuration(problem: directory, variant: index, seed: seed)
                    } catch {
                        throw RunSetupError(.invalidConfiguration, "\(error)")
                    }
                    let url = output.appendingPathComponent(Self.runsFolder).appendingPathComponent(name)
                        .appendingPathComponent(variant.name).appendingPathComponent("seed-\(seed)")
                    runs.append(
                        PlannedRun(
                            problemName: name, variant: variant.name, seed: seed, problem: problem, directory: RunDirectory(url: url),
                            peer: variant.peer))
                }
            }
        }
        return runs
    }

    /// The model flags of the command line over the spec's `model`.
    var runOverrides: RunOverrides {
        var result = overrides
        if let model = spec.model, !overrides.namesModel {
            result.provider = model.provider
            result.model = model.model
            if let url = model.url {
                if model.provider == .ollama { result.ollamaURL = url } else { result.openAIURL = url }
            }
        }
        result.budget = spec.budget
        return result
    }

    /// Runs at once: the flag or the spec's concurrency, at most the machine's cores; one when the
    /// bundled model serves (each run would start its own server) or when runs use gVisor (the
    /// gVisor backend keeps one sandbox root per process, which a second run in the same process
    /// would share and remove when it ends). Each run still evaluates `sandbox.concurrency` at once.
    func concurrency(for runs: [PlannedRun]) -> Int {
        let asked = jobs ?? spec.concurrency
        let serial = runs.contains { run in
            var configuration = run.problem.configuration
            runOverrides.apply(to: &configuration)
            return run.peer != nil || configuration.llm.provider == .bundled || configuration.sandbox.backend == .gvisor
        }
        return serial ? 1 : max(1, min(asked, ProcessInfo.processInfo.activeProcessorCount))
    }
}
