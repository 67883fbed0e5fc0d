import EvolveExperiment
import ArgumentParser
import EvolveController
import EvolveCore
import Foundation

/// `evolve-bench diffs RUN_DIR...`: how the SEARCH/REPLACE answers stored in runs apply under
/// exact matching and under similar-line matching at several thresholds (`search.diff_match`).
struct DiffsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diffs",
        abstract: "Replays the SEARCH/REPLACE answers stored in runs against their parents, exactly and with similar-line matching.")

    @Argument(help: "Run folders (holding evolve.sqlite), or problem folders for their latest run.")
    var runs: [String]

    @Option(name: .customLong("threshold"), help: "A search.diff_match threshold to try (repeatable); exact-only is always shown.")
    var thresholds: [Double] = [0.8, 0.85, 0.9]

    @Option(help: "The search.diff_match margin over the runner-up.")
    var margin = DiffMatching().margin

    @Option(help: "Also write the counts and every answer's results as JSON to this file.")
    var json: String?

    func validate() throws {
        for threshold in thresholds where !(0.5...1).contains(threshold) {
            throw ValidationError("--threshold \(threshold): a threshold must be between 0.5 and 1")
        }
        guard (0..<0.5).contains(margin) else { throw ValidationError("--margin must be at least 0 and below 0.5") }
    }

    func run() async throws {
        let directories = try StoredRuns.locate(runs)
        let matchings = thresholds.map { DiffMatching(threshold: $0, margin: margin) }
        let replay = try await DiffReplay.read(directories, matchings: matchings)
        print(replay.markdown, terminator: "")
        if let json { try StoredRuns.writeJSON(replay, to: json) }
    }
}
