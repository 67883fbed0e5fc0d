import ArgumentParser
import EvolveController
import Foundation

@main
struct Evolve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evolve",
        abstract: "Evolve programs with a language model, an evaluator and a sandbox.",
        discussion: """
            A problem directory holds evolve.yaml, a program with EVOLVE-BLOCK-START/END markers and an \
            evaluator that prints {"score": ...}. `evolve init DIR` makes one; `evolve run DIR` evolves it; \
            `evolve best DIR` shows the best program found; `evolve show RUN ID` one program; `evolve serve DIR` a web page of its runs.

            Exit codes: 0 the run finished (target reached or budget spent); 1 a harness failure stopped \
            the run (model server, sandbox or store; the message says which); 2 the problem directory or \
            evolve.yaml is invalid; 3 the model server is unreachable or lacks the model; 4 the sandbox \
            backend is unavailable; 5 nothing to show or resume; 6 the run is in use by another evolve \
            process (its lock holder is named); 64 bad command-line usage; 130 interrupted \
            (the run is saved: continue it with --resume).
            """,
        subcommands: [
            RunCommand.self, BestCommand.self, ShowCommand.self, ServeCommand.self, InitCommand.self, ExperimentCommand.self,
            ReportCommand.self, CompareCommand.self, CleanCommand.self,
        ]
    )
}

/// Exit codes documented in `evolve --help` and the README.
enum ExitStatus {
    static let harnessFailure = ExitCode(1)
    static let invalidConfiguration = ExitCode(2)
    static let modelUnavailable = ExitCode(3)
    static let sandboxUnavailable = ExitCode(4)
    static let nothingFound = ExitCode(5)
    static let runInUse = ExitCode(6)
    static let interrupted = ExitCode(130)
}

/// Writes one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

extension ExitStatus {
    /// The exit status of a run that could not be assembled or started.
    static func `for`(_ code: RunSetupError.Code) -> ExitCode {
        switch code {
        case .invalidConfiguration: return invalidConfiguration
        case .modelUnavailable: return modelUnavailable
        case .sandboxUnavailable: return sandboxUnavailable
        case .nothingFound: return nothingFound
        case .store: return harnessFailure
        case .inUse: return runInUse
        }
    }
}
