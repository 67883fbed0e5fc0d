import EvolveExperiment
import ArgumentParser
import EvolveController
import EvolveCore
import Foundation

/// `evolve-bench answers RUN_DIR...`: every stored model answer parsed and applied again by this
/// engine, beside what its run recorded.
struct AnswersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "answers",
        abstract: "Replays every model answer stored in runs against its parent with this engine, beside what the run recorded.")

    @Argument(help: "Run folders (holding evolve.sqlite), or problem folders for their latest run.")
    var runs: [String]

    @Option(help: "The search.diff_match threshold (1: SEARCH parts match exactly).")
    var threshold = DiffMatching().threshold

    @Option(help: "Also write every answer's outcome as JSON to this file.")
    var json: String?

    func validate() throws {
        guard (0.5...1).contains(threshold) else { throw ValidationError("--threshold must be between 0.5 and 1") }
    }

    func run() async throws {
        let directories = try StoredRuns.locate(runs)
        let replay = try await AnswerReplay.read(directories, matching: DiffMatching(threshold: threshold, margin: DiffMatching().margin))
        print(replay.markdown, terminator: "")
        if let json { try StoredRuns.writeJSON(replay, to: json) }
    }
}
