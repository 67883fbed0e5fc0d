import ArgumentParser
import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveSandbox
import Foundation
import Logging

/// `evolve clean RUN`: what a killed run left outside its folder, removed without resuming it.
struct CleanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clean",
        abstract: "Cancel and remove what a killed run left behind (Slurm jobs, its folder on the shared path).",
        discussion: """
            RUN_OR_DIR is a run folder or a problem directory, whose latest run is used. The run's \
            programs are kept; `evolve run --resume` does the same clean-up itself before it goes on. \
            Refused while another evolve process holds the run.
            """
    )

    @Argument(help: "A run folder or a problem directory.", completion: .directory)
    var runOrDirectory: String

    func run() async throws {
        guard let run = RunDirectory.locate(runOrDirectory) else {
            printError("error: no run found at \(runOrDirectory) (expected a run folder with \(RunDirectory.databaseName), or a problem directory with runs/)")
            throw ExitStatus.nothingFound
        }
        let lock: RunLock
        do {
            lock = try RunLock.acquire(run)
        } catch let error as RunSetupError {
            printError("error: \(error.message)")
            throw ExitStatus.for(error.code)
        }
        defer { withExtendedLifetime(lock) {} }
        let problem = try await loadProblem(of: run)
        let sandbox = makeSandbox(
            problem.configuration.sandbox, environment: ProcessInfo.processInfo.environment, run: run.url.path, logger: Logger(label: "evolve"))
        let done = await sandbox.recover(problemDirectory: problem.directory)
        await sandbox.shutdown()
        print(done.isEmpty ? "nothing was left by \(run.url.path) (sandbox `\(sandbox.name)`)" : done.joined(separator: "\n"))
    }

    /// The problem as the run started it: its problem directory with the evolve.yaml kept in the run's folder.
    private func loadProblem(of run: RunDirectory) async throws -> Problem {
        do {
            guard let path = try await run.openStore(readOnly: true).runInfo().problemDirectory else {
                printError("error: \(run.url.path) does not record its problem directory")
                throw ExitStatus.invalidConfiguration
            }
            let kept = run.url.appendingPathComponent(Problem.configurationFileName)
            let file = FileManager.default.fileExists(atPath: kept.path) ? kept : nil
            return try Problem.load(from: URL(fileURLWithPath: path), configurationFile: file)
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("error: cannot read the configuration of \(run.url.path): \(error)")
            throw ExitStatus.invalidConfiguration
        }
    }
}
