import ArgumentParser
import EvolveController
import EvolveCore
import Foundation
import Logging

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

    @Option(name: .customLong("config"), help: "The configuration file: an OpenEvolve config (e.g. config_phase_1.yaml) or an evolve.yaml (default: DIR/evolve.yaml, else DIR/config.yaml).", completion: .file())
    var configurationFile: String?

    @Option(help: "Iterations for the whole run, counting those done before a resume (default: search.iterations).")
    var iterations: Int?

    @Option(help: "Stop when a program reaches this score (default: goal.target).")
    var target: Double?






    @OptionGroup var models: ModelOptions

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

    @Flag(name: .customLong("no-dashboard"), help: "On a terminal, show the one-line progress instead of the live dashboard.")
    var noDashboard = false

    @Flag(help: "Serve the run's live web page on loopback while it runs (the address is printed).")
    var ui = false

    @Option(name: .customLong("ui-port"), help: "The web page's port with --ui (default: a free one).")
    var uiPort = 0

    @Flag(help: "With --ui, open the page in a browser (xdg-open).")
    var open = false


    func validate() throws {
        if let iterations, iterations < 0 { throw ValidationError("--iterations cannot be negative") }
        if let modelConcurrency, modelConcurrency < 1 { throw ValidationError("--model-concurrency must be at least 1") }
        if let evaluationConcurrency, evaluationConcurrency < 1 { throw ValidationError("--eval-concurrency must be at least 1") }
        if !(0...65535).contains(uiPort) { throw ValidationError("--ui-port must be between 0 and 65535") }
    }

    func run() async throws {
        models.bootstrapLogging()
        let logger = Logger(label: "evolve")
        let quiet = self.quiet
        let ui = self.ui ? RunUI(port: uiPort, open: open, registry: PrometheusSetup.bootstrap()) : nil
        do {
            let builder = try RunBuilder(
                directory: URL(fileURLWithPath: directory), overrides: overrides, logger: logger,
                notice: { if !quiet { printError($0) } })
            let configuration = builder.problem.configuration
            let summary = try await builder.withRun { run in
                let progress = display(configuration)
                let consumer = progress.follow(run.events.subscribe())
                defer { progress.finish() }
                do {
                    let execute = {
                        let summary = try await run.execute(logger: logger, onShutdown: { progress.stopping() })
                        await consumer.value
                        return (summary, run.directory)
                    }
                    if let ui { return try await ui.serving(run, logger: logger, execute) }
                    return try await execute()
                } catch {
                    throw FailedRun(error: error, directory: run.directory)
                }
            }
            print(summary.0.text(run: summary.1))
            if summary.0.reason == .interrupted { throw ExitStatus.interrupted }
        } catch let error as RunSetupError {
            printError("error: \(error)")
            throw ExitStatus.for(error.code)
        } catch let error as CancellationError {
            _ = error
            printError("interrupted; continue with: evolve run \(directory) --resume")
            throw ExitStatus.interrupted
        } catch let error as ExitCode {
            throw error
        } catch let failed as FailedRun {
            printError("error: \(failed.error)")
            printError("the run is saved in \(failed.directory.url.path); fix the cause and continue with --resume")
            throw ExitStatus.harnessFailure
        } catch {
            printError("error: \(error)")
            throw ExitStatus.harnessFailure
        }
    }

}
