import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import Foundation
import Logging

/// Assembles a run from a problem directory and command-line overrides: the model clients
/// (retrying, ensemble, the bundled model's server), the sandbox, the run directory with its
/// store, event log and `run_info` facts, and the controller. The command line and the benchmark
/// both use it.
///
/// `withRun` owns what it starts: the bundled model's server and the sandbox are shut down when
/// its body returns or throws, whatever happened.
public struct RunBuilder: Sendable {
    public private(set) var problem: Problem
    public var overrides: RunOverrides
    public var environment: [String: String]
    public var logger: Logger
    /// Start-up notices for the user (an ensemble replaced by a flag, the bundled model starting, ...).
    public var notice: @Sendable (String) -> Void

    /// Loads the problem in `directory` and applies the overrides.
    public init(
        directory: URL, overrides: RunOverrides = RunOverrides(), environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger, notice: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
        let problem: Problem
        do {
            problem = try Problem.load(from: directory, configurationFile: overrides.configurationFile.map { URL(fileURLWithPath: $0) })
        } catch {
            throw RunSetupError(.invalidConfiguration, "\(error)")
        }
        self.init(problem: problem, overrides: overrides, environment: environment, logger: logger, notice: notice)
    }

    /// Uses a problem loaded (and perhaps adjusted) by the caller, and applies the overrides.
    public init(
        problem: Problem, overrides: RunOverrides = RunOverrides(), environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger, notice: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        var problem = problem
        var notices = problem.openEvolve?.warning.map { ["warning: \($0)"] } ?? []
        problem.dropFileModels(provider: overrides.provider, model: overrides.model, openAIURL: overrides.openAIURL)
        notices += overrides.apply(to: &problem.configuration)
        self.problem = problem
        self.overrides = overrides
        self.environment = environment
        self.logger = logger
        self.notice = notice
        notices.forEach(notice)
    }

    /// Starts what the run needs, hands the assembled run to `body`, and shuts it all down after.
    public func withRun<T: Sendable>(_ body: (Run) async throws -> T) async throws -> T {
        let evaluatorEnvironment = try await prepareEnvironment()
        let externalURL = BundledModel.externalURL(environment)
        let bundled = try await startBundledModel(unless: externalURL)
        defer { bundled?.stop() }
        let llm = makeClient(problem.configuration.llm, bundledURL: bundled?.baseURL ?? externalURL)
        let directory = try locateRun()
        let sandbox = makeSandbox(problem.configuration.sandbox, environment: environment, run: directory.url.path, logger: logger)
        do {
            let run = try await assemble(directory, llm: llm, sandbox: sandbox, environment: evaluatorEnvironment)
            let result = try await body(run)
            await sandbox.shutdown()
            return result
        } catch {
            await sandbox.shutdown()
            throw error
        }
    }

    /// Starts the bundled model's server when the run needs one and `externalURL` (a server the
    /// user started) is not given.
    private func startBundledModel(unless externalURL: String?) async throws -> BundledModelServer? {
        let llm = problem.configuration.llm
        // A replay that never asks the live model needs no server.
        guard llm.provider == .bundled, llm.replay == nil || llm.replayFallthrough else { return nil }
        if let url = externalURL {
            notice("using the bundled model served at \(url) (EVOLVE_BUNDLED_URL)")
            return nil
        }
        notice("starting the bundled model (\(BundledModel.name)) on a loopback port...")
        do {
            return try await BundledModel(environment: environment).start(contextLength: problem.configuration.llm.contextLength, logger: logger)
        } catch {
            throw RunSetupError(.modelUnavailable, "\(error)")
        }
    }

    /// The evaluator's environment (built from requirements.txt once, then cached); a build that
    /// fails is a bad configuration, reported before anything else starts.
    private func prepareEnvironment() async throws -> EvaluatorEnvironment? {
        do {
            return try await EvaluatorEnvironment.prepare(for: problem, progress: notice, logger: logger)
        } catch {
            throw RunSetupError(.invalidConfiguration, "\(error)")
        }
    }

    private func assemble(
        _ directory: RunDirectory, llm: any LLMClient, sandbox: any Sandbox, environment: EvaluatorEnvironment?
    ) async throws -> Run {
        if problem.configuration.evaluator.model != nil, !sandbox.servesModelGateway {
            throw RunSetupError(
                .invalidConfiguration,
                "evaluator.model (the model gateway for evaluators) needs sandbox.backend gvisor or process; the `\(sandbox.name)` "
                    + "backend cannot bind the gateway's socket into its sandboxes: choose gvisor, or remove evaluator.model")
        }
        do {
            try await sandbox.checkAvailability()
        } catch {
            throw RunSetupError(.sandboxUnavailable, "sandbox `\(sandbox.name)` is unavailable: \(error)")
        }
        do {
            try await llm.checkAvailability()
        } catch {
            throw RunSetupError(.modelUnavailable, "\(error)")
        }
        if !sandbox.isolates {
            notice("warning: the `\(sandbox.name)` sandbox limits candidates but does not isolate them from this machine")
        }
        let (store, eventLog, lock) = try await open(directory, llm: llm)
        for line in await sandbox.recover(problemDirectory: problem.directory) {
            logger.notice("\(line)", metadata: ["sandbox": "\(sandbox.name)"])
            notice(line)
        }
        var settings = RunSettings(problem.configuration)
        if let budget = overrides.budget { settings.budget = settings.budget.tightened(by: budget) }
        // Retries, fault recording and the search features are built here and handed to the controller.
        let parts = PipelineParts(problem: problem, llm: llm, store: store, settings: settings, logger: logger)
        let controller = Controller(
            problem: problem, parts: parts, sandbox: sandbox, store: store, settings: settings, logger: logger, environment: environment)
        return Run(
            problem: problem, directory: directory, controller: controller, llm: llm, sandbox: sandbox, store: store, eventLog: eventLog,
            lock: lock)
    }

    /// Creates (or reopens) the run's directory, takes its lock, opens its store and event log,
    /// and records the run's facts.
    private func open(_ directory: RunDirectory, llm: any LLMClient) async throws -> (SQLiteProgramStore, EventLog, RunLock) {
        do {
            try directory.create()
        } catch {
            throw RunSetupError(.store, "\(error)")
        }
        let lock = try RunLock.acquire(directory)
        do {
            let store = try directory.openStore()
            let eventLog = try EventLog(path: directory.eventLogPath)
            let file = problem.directory.appendingPathComponent(Problem.configurationFileName)
            let yaml = try? String(contentsOf: file, encoding: .utf8)
            if let yaml {
                try? yaml.write(to: directory.url.appendingPathComponent(Problem.configurationFileName), atomically: true, encoding: .utf8)
            }
            let (path, model, endpoint, configuration) = (problem.directory.path, llm.model, llm.endpoint, problem.configuration)
            try await store.updateRunInfo { info in
                info.problemDirectory = path
                info.model = model
                info.endpoint = endpoint
                if let yaml { info.evolveYAML = yaml }
                info.configuration = configuration
            }
            return (store, eventLog, lock)
        } catch {
            throw RunSetupError(.store, "\(error)")
        }
    }

    /// The run directory: a new one, the one asked for, or the latest to resume.
    func locateRun() throws -> RunDirectory {
        if let path = overrides.runDirectory {
            let run = RunDirectory(url: URL(fileURLWithPath: path))
            if overrides.resume, !run.exists {
                throw RunSetupError(.nothingFound, "there is no run to resume in \(run.url.path)")
            }
            if !overrides.resume, run.exists {
                throw RunSetupError(
                    .invalidConfiguration, "\(run.url.path) already holds a run; pass --resume to continue it or choose another --run-dir")
            }
            return run
        }
        if overrides.resume {
            guard let latest = RunDirectory.latest(in: problem.directory) else {
                throw RunSetupError(.nothingFound, "no run to resume in \(problem.directory.appendingPathComponent(RunDirectory.runsFolder).path)")
            }
            return latest
        }
        return RunDirectory.new(for: problem.directory)
    }
}
