import ArgumentParser
import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import Foundation
import Logging
import Synchronization

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Evolve the program of a problem directory.",
        discussion: """
            Evaluates the starting program, then asks the model for changes, evaluates each child in the \
            sandbox and stores it in DIR/runs/<time>/evolve.sqlite, until the goal's target score or the \
            iteration budget is reached. Ctrl-C stops gracefully; --resume continues the latest run.

            The Ollama address comes from --ollama-url, else OLLAMA_HOST, else llm.url in evolve.yaml, \
            else http://localhost:11434.
            """
    )

    @Argument(help: "The problem directory (with evolve.yaml).", completion: .directory)
    var directory: String

    @Option(help: "Iterations for the whole run, counting those done before a resume (default: search.iterations).")
    var iterations: Int?

    @Option(help: "Stop when a program reaches this score (default: goal.target).")
    var target: Double?

    @Option(help: "The model name (default: llm.model).")
    var model: String?

    @Option(name: .customLong("ollama-url"), help: "The Ollama server, e.g. http://localhost:11434.")
    var ollamaURL: String?

    @Option(name: .customLong("openai-url"), help: "An OpenAI-compatible server's base URL, e.g. http://localhost:8000/v1 (with llm.provider: openai).")
    var openAIURL: String?

    @Option(help: "The model API: \(LLMConfiguration.Provider.allCases.map(\.rawValue).joined(separator: ", ")) (default: llm.provider).")
    var provider: LLMConfiguration.Provider?

    @Option(help: "The sandbox backend: \(SandboxConfiguration.Backend.allCases.map(\.rawValue).joined(separator: ", ")) (default: sandbox.backend).")
    var sandbox: SandboxConfiguration.Backend?

    @Flag(help: "Continue the latest run of DIR (or the run given with --run-dir) instead of starting a new one.")
    var resume = false

    @Option(name: .customLong("run-dir"), help: "Where to keep this run (default: DIR/runs/<start time>).", completion: .directory)
    var runDirectory: String?

    @Option(name: .customLong("model-concurrency"), help: "Model requests in flight at once (default: llm.concurrency).")
    var modelConcurrency: Int?

    @Option(name: .customLong("eval-concurrency"), help: "Evaluations in flight at once (default: sandbox.concurrency).")
    var evaluationConcurrency: Int?

    @Flag(name: .shortAndLong, help: "Print only the final summary.")
    var quiet = false

    @Option(name: .customLong("log-level"), help: "Diagnostics on standard error: trace, debug, info, notice, warning, error.")
    var logLevel: Logger.Level = .warning

    func validate() throws {
        if let iterations, iterations < 0 { throw ValidationError("--iterations cannot be negative") }
        if let modelConcurrency, modelConcurrency < 1 { throw ValidationError("--model-concurrency must be at least 1") }
        if let evaluationConcurrency, evaluationConcurrency < 1 { throw ValidationError("--eval-concurrency must be at least 1") }
    }

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "evolve")

        var problem: Problem
        do {
            problem = try Problem.load(from: URL(fileURLWithPath: directory))
        } catch {
            printError("error: \(error)")
            throw ExitStatus.invalidConfiguration
        }
        applyOverrides(to: &problem)
        if problem.configuration.llm.provider == .bundled {
            problem.configuration.llm.concurrency = 1  // the bundled server answers one request at a time
        }
        let configuration = problem.configuration
        // The evaluator's environment is part of the problem: a build that fails is a bad configuration.
        let environment: EvaluatorEnvironment?
        do {
            let quiet = self.quiet
            environment = try await EvaluatorEnvironment.prepare(for: problem, progress: { if !quiet { printError($0) } }, logger: logger)
        } catch {
            printError("error: \(error)")
            throw ExitStatus.invalidConfiguration
        }

        var bundledServer: BundledModelServer?
        if configuration.llm.provider == .bundled {
            do {
                if !quiet { printError("starting the bundled model (\(BundledModel.name)) on a loopback port...") }
                bundledServer = try await BundledModel().start(contextLength: configuration.llm.contextLength, logger: logger)
            } catch {
                printError("error: \(error)")
                throw ExitStatus.modelUnavailable
            }
        }
        defer { bundledServer?.stop() }
        let llm = makeClient(configuration.llm, bundledURL: bundledServer?.baseURL, logger: logger)
        let endpoint = llm.endpoint
        let sandbox = makeSandbox(configuration.sandbox, logger: logger)
        do {
            try await sandbox.checkAvailability()
        } catch {
            printError("error: sandbox `\(sandbox.name)` is unavailable: \(error)")
            throw ExitStatus.sandboxUnavailable
        }
        do {
            try await llm.checkAvailability()
        } catch {
            printError("error: \(error)")
            throw ExitStatus.modelUnavailable
        }
        if !sandbox.isolates, !quiet {
            printError("warning: the `\(sandbox.name)` sandbox limits candidates but does not isolate them from this machine")
        }

        let run = try locateRun(problem: problem)
        let store: SQLiteProgramStore
        let eventLog: EventLog
        do {
            try run.create()
            store = try SQLiteProgramStore(path: run.databasePath)
            eventLog = try EventLog(path: run.eventLogPath)
            try store.setInfo("problem_directory", problem.directory.path)
            try store.setInfo("model", llm.model)
            try store.setInfo("endpoint", endpoint)
            if let yaml = try? String(contentsOf: problem.directory.appendingPathComponent(Problem.configurationFileName), encoding: .utf8) {
                try store.setInfo("evolve_yaml", yaml)
                try? yaml.write(to: run.url.appendingPathComponent(Problem.configurationFileName), atomically: true, encoding: .utf8)
            }
        } catch {
            printError("error: \(error)")
            throw ExitStatus.harnessFailure
        }

        let controller = Controller(
            problem: problem, llm: llm, sandbox: sandbox, store: store, settings: RunSettings(configuration), logger: logger,
            environment: environment)
        let progress = ProgressReporter(goal: configuration.goal, iterations: configuration.search.iterations, quiet: quiet)
        let consumer = Task {
            for await event in controller.events {
                eventLog.write(event)
                progress.handle(event)
            }
        }
        let runTask = Task { try await controller.run(runDirectory: run.url.path) }
        let signals = SignalHandler { runTask.cancel() }
        defer { signals.cancel() }

        let outcome = await runTask.result
        await consumer.value
        await sandbox.shutdown()
        progress.finish()
        switch outcome {
        case .success(let summary):
            printSummary(summary, run: run)
            if summary.reason == .interrupted { throw ExitStatus.interrupted }
        case .failure(let error as CancellationError):
            _ = error
            printError("interrupted; continue with: evolve run \(directory) --resume")
            throw ExitStatus.interrupted
        case .failure(let error):
            printError("error: \(error)")
            printError("the run is saved in \(run.url.path); fix the cause and continue with --resume")
            throw ExitStatus.harnessFailure
        }
    }

    private func applyOverrides(to problem: inout Problem) {
        if let iterations { problem.configuration.search.iterations = iterations }
        if let target { problem.configuration.goal.target = target }
        if let model { problem.configuration.llm.model = model }
        if let provider { problem.configuration.llm.provider = provider }
        if let sandbox { problem.configuration.sandbox.backend = sandbox }
        if let modelConcurrency { problem.configuration.llm.concurrency = modelConcurrency }
        if let evaluationConcurrency { problem.configuration.sandbox.concurrency = evaluationConcurrency }
    }

    private func makeClient(_ configuration: LLMConfiguration, bundledURL: String?, logger: Logger) -> any LLMClient {
        if !configuration.models.isEmpty {
            let members = configuration.models.map { member -> EnsembleClient.Member in
                var single = configuration
                single.models = []
                single.provider = member.provider
                single.url = member.url
                single.model = member.model
                if let key = member.apiKeyEnv { single.apiKeyEnv = key }
                return EnsembleClient.Member(
                    client: makeClient(single, bundledURL: nil, logger: logger), weight: member.weight, concurrency: member.concurrency,
                    inputPrice: member.inputPrice, outputPrice: member.outputPrice)
            }
            return EnsembleClient(members: members, bandit: configuration.bandit)
        }
        let environment = ProcessInfo.processInfo.environment
        switch configuration.provider {
        case .bundled:
            return OpenAIClient(
                endpoint: bundledURL ?? "http://127.0.0.1:9/v1", model: BundledModel.name, apiKey: nil, stream: configuration.stream,
                timeout: configuration.timeout, stallTimeout: configuration.stallTimeout, logger: logger)
        case .ollama:
            return OllamaClient(
                endpoint: OllamaEndpoint.resolve(flag: ollamaURL, environment: environment, configured: configuration.url),
                model: configuration.model, stream: configuration.stream, timeout: configuration.timeout,
                stallTimeout: configuration.stallTimeout, logger: logger)
        case .openai:
            return OpenAIClient(
                endpoint: OpenAIClient.resolveBaseURL(flag: openAIURL, environment: environment, configured: configuration.url),
                model: configuration.model, apiKey: environment[configuration.apiKeyEnv] ?? environment["OPENAI_API_KEY"],
                stream: configuration.stream, timeout: configuration.timeout, stallTimeout: configuration.stallTimeout, logger: logger)
        }
    }

    private func makeSandbox(_ configuration: SandboxConfiguration, logger: Logger) -> any Sandbox {
        switch configuration.backend {
        case .gvisor: return GVisorSandbox(tmpfsMB: configuration.tmpfsMB, cpus: configuration.cpus, reuse: configuration.reuse, logger: logger)
        case .docker:
            return DockerSandbox(
                host: DockerSandbox.resolveHost(configured: configuration.dockerHost, environment: ProcessInfo.processInfo.environment),
                image: configuration.image, runtime: configuration.runtime, tmpfsMB: configuration.tmpfsMB, cpus: configuration.cpus,
                logger: logger)
        case .process: return ProcessSandbox(logger: logger)
        }
    }

    private func locateRun(problem: Problem) throws -> RunDirectory {
        if let runDirectory {
            let run = RunDirectory(url: URL(fileURLWithPath: runDirectory))
            if resume, !run.exists {
                printError("error: there is no run to resume in \(run.url.path)")
                throw ExitStatus.nothingFound
            }
            if !resume, run.exists {
                printError("error: \(run.url.path) already holds a run; pass --resume to continue it or choose another --run-dir")
                throw ExitStatus.invalidConfiguration
            }
            return run
        }
        if resume {
            guard let latest = RunDirectory.latest(in: problem.directory) else {
                printError("error: no run to resume in \(problem.directory.appendingPathComponent(RunDirectory.runsFolder).path)")
                throw ExitStatus.nothingFound
            }
            return latest
        }
        return RunDirectory.new(for: problem.directory)
    }

    private func printSummary(_ summary: RunSummary, run: RunDirectory) {
        let reason: String
        switch summary.reason {
        case .targetReached: reason = "target reached"
        case .budgetSpent: reason = "iteration budget spent"
        case .costBudgetSpent: reason = "cost budget spent"
        case .interrupted: reason = "interrupted (continue with --resume)"
        case .failed: reason = "stopped by a failure"
        }
        var lines = ["\(reason) after \(summary.iterations) iterations, \(summary.evaluations) evaluations in \(String(format: "%.1f", summary.elapsedSeconds)) s"]
        if let best = summary.best, let score = best.score {
            lines.append("best score \(formatScore(score)) (program \(best.id), iteration \(best.iteration))")
        } else {
            lines.append("no program has a score yet")
        }
        if summary.cost > 0 { lines.append("model answers cost \(String(format: "%.4f", summary.cost)) in all") }
        lines.append("run saved in \(run.url.path); show the best program with: evolve best \(run.url.path)")
        print(lines.joined(separator: "\n"))
    }
}

func formatScore(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(format: "%.1f", value) : String(format: "%.6g", value)
}

/// Cancels the run on the first SIGINT or SIGTERM; a second one exits at once.
final class SignalHandler {
    private let sources: [any DispatchSourceSignal]

    init(onSignal: @escaping @Sendable () -> Void) {
        let fired = SignalCount()
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if fired.increment() > 1 {
                    printError("stopping now")
                    exit(130)
                }
                printError("\nstopping: finishing in-flight work, killing evaluations and saving the run (Ctrl-C again to quit at once)")
                onSignal()
            }
            source.resume()
            return source
        }
    }

    func cancel() {
        sources.forEach { $0.cancel() }
    }
}

final class SignalCount: Sendable {
    private let count = Mutex(0)

    /// Counts one more signal and returns how many have arrived.
    func increment() -> Int {
        count.withLock { value in
            value += 1
            return value
        }
    }
}

extension SandboxConfiguration.Backend: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LLMConfiguration.Provider: ExpressibleByArgument {}
