import EvolveExperiment
import ArgumentParser
import EvolveController
import EvolveCore
import Foundation
import Logging
import UnixSignals

struct ExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Run every problem × variant × seed of an experiment spec, then write its report.",
        discussion: """
            Each run is an ordinary Evolve run in OUT/runs/<problem>/<variant>/seed-<n>/ under the spec's budget. \
            Started again, the experiment skips finished runs and resumes the others. Ctrl-C (or SIGTERM) stops it \
            gracefully: the runs in progress are saved as interrupted, no other run starts, and the report is \
            written (exit 130); Ctrl-C again quits at once. The report (report.md, \
            report.json, one SVG per problem) goes to OUT. See docs/experiments.md for the spec.
            """
    )

    @Argument(help: "The experiment spec (YAML).", completion: .file(extensions: ["yaml", "yml"]))
    var spec: String

    @Option(name: .customLong("out"), help: "The experiment directory (default: results/<spec name> beside the spec).", completion: .directory)
    var output: String?

    @Option(help: "Runs at once (default: the spec's concurrency; at most the machine's cores; 1 with the bundled model).")
    var jobs: Int?

    @OptionGroup var models: ModelOptions

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() async throws {
        models.bootstrapLogging()
        let logger = Logger(label: "evolve")
        let spec: ExperimentSpec
        do {
            spec = try ExperimentSpec.load(from: URL(fileURLWithPath: self.spec))
        } catch {
            printError("error: \(error)")
            throw ExitStatus.invalidConfiguration
        }
        let output = output.map { URL(fileURLWithPath: $0) }
            ?? spec.file.deletingLastPathComponent().appendingPathComponent("results").appendingPathComponent(spec.file.deletingPathExtension().lastPathComponent)
        var overrides = RunOverrides(
            model: models.model, provider: models.provider, ollamaURL: models.ollamaURL, openAIURL: models.openAIURL, sandbox: models.sandbox)
        overrides.warm = models.warm
        var runner = ExperimentRunner(spec: spec, output: output, jobs: jobs, overrides: overrides, logger: logger, progress: { printError($0) })
        runner.stopSignals = [.sigint, .sigterm]
        runner.onStop = { SecondSignal.exitOnNext() }
        do {
            let outcome = try await runner.run()
            print("experiment: \(outcome.finished) runs finished (\(outcome.skipped) earlier), \(outcome.failed.count) failed")
            print("report: \(output.appendingPathComponent("report.md").path)")
            for failure in outcome.failed { printError("failed: \(failure.run): \(failure.message)") }
            if outcome.elsewhere > 0 {
                print("experiment: \(outcome.elsewhere) runs were running in another process; the report holds them as far as they got")
            }
            if outcome.stopped {
                print("experiment: stopped; the interrupted runs (\(outcome.interrupted)) resume when it starts again")
                throw ExitStatus.interrupted
            }
            if !outcome.failed.isEmpty {
                printError("start the experiment again to resume the failed runs")
                throw ExitStatus.harnessFailure
            }
        } catch let error as RunSetupError {
            printError("error: \(error)")
            throw ExitStatus.for(error.code)
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("error: \(error)")
            throw ExitStatus.harnessFailure
        }
    }
}

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Recompute an experiment's report (report.md, report.json, SVGs) from its run databases.")

    @Argument(help: "The experiment directory (the --out of evolve experiment).", completion: .directory)
    var directory: String

    func run() async throws {
        let url = URL(fileURLWithPath: directory)
        do {
            let report = try await ExperimentRunner.report(experiment: url)
            guard !report.runs.isEmpty else {
                printError("error: no runs in \(url.appendingPathComponent(ExperimentRunner.runsFolder).path)")
                throw ExitStatus.nothingFound
            }
            try report.write(to: url, title: "Experiment \(url.lastPathComponent)")
            print(report.markdown(title: "Experiment \(url.lastPathComponent)"))
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("error: \(error)")
            throw ExitStatus.harnessFailure
        }
    }
}

struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare existing runs: the experiment report over run directories, grouped by problem and search strategy.",
        discussion: "Each RUN is a run directory or a problem directory (its latest run). Runs are grouped by problem "
            + "directory name and search.strategy; their search.seed tells the seeds apart.")

    @Argument(help: "Run directories (or problem directories: their latest run).", completion: .directory)
    var runs: [String]

    @Option(name: .customLong("out"), help: "Also write report.md, report.json and the SVGs here.", completion: .directory)
    var output: String?

    @Option(name: .customLong("calls"), help: "Compare at this many model calls (default: the most any run made).")
    var calls: Int?

    func run() async throws {
        var measurements: [RunMeasurement] = []
        for path in runs {
            guard let run = RunDirectory.locate(path) else {
                printError("error: no run in \(path)")
                throw ExitStatus.nothingFound
            }
            do {
                measurements.append(try await RunMeasurement.read(run))
            } catch {
                printError("error: cannot read the run in \(run.url.path): \(error)")
                throw ExitStatus.harnessFailure
            }
        }
        let report = ExperimentReport(runs: measurements, maxCalls: calls)
        if let output {
            do {
                try report.write(to: URL(fileURLWithPath: output), title: "Comparison")
            } catch {
                printError("error: cannot write the report to \(output): \(error)")
                throw ExitStatus.harnessFailure
            }
        }
        print(report.markdown(title: "Comparison"))
    }
}
