import EvolveController
import EvolveCore
import EvolveDatabase
import Foundation

/// Every model answer stored in runs, parsed and applied again to its parent by this engine: what
/// the run recorded beside what this engine makes of it. It measures a change to answer handling
/// on real answers without calling the model (the archive-dependent checks, duplicates and
/// novelty, are not replayed). `evolve-bench answers` prints it.
public struct AnswerReplay: Sendable, Hashable, Codable {
    /// One stored answer.
    public struct Answer: Sendable, Hashable, Codable {
        public var run: String
        public var iteration: Int
        public var attempt: Int
        /// `accepted`, `duplicate` or `rejected (KIND)`, as the run recorded it.
        public var recorded: String
        /// `child`, `child, imports moved` or `rejected (KIND)` (`identical`: the child is its parent).
        public var now: String
    }

    public var runs: [String]
    /// Answers left out: `model_error` (no answer) and `no_parent` (its parent is not stored).
    public var skipped: [String: Int]
    public var answers: [Answer]

    /// How many answers went from each recorded outcome to each outcome now.
    public var counts: [String: [String: Int]] {
        answers.reduce(into: [:]) { counts, answer in counts[answer.recorded, default: [:]][answer.now, default: 0] += 1 }
    }

    /// Answers the run rejected that make a child now.
    public var gained: Int { answers.filter { $0.recorded.hasPrefix("rejected") && $0.now.hasPrefix("child") }.count }
    /// Answers the run accepted that this engine rejects.
    public var lost: Int { answers.filter { $0.recorded == "accepted" && $0.now.hasPrefix("rejected") }.count }
}

extension AnswerReplay {
    /// Replays every answer of `runs` with `matching` (`search.diff_match`).
    public static func read(_ runs: [RunDirectory], matching: DiffMatching = DiffMatching()) async throws -> AnswerReplay {
        var replay = AnswerReplay(runs: runs.map(\.url.path), skipped: [:], answers: [])
        try await StoredAttempts.forEach(in: runs) { attempt, parent, run in
            replay.add(attempt, parent: parent, run: run.url.path, matching: matching)
        }
        return replay
    }

    mutating func add(_ attempt: AttemptRecord, parent: String?, run: String, matching: DiffMatching) {
        guard attempt.outcome != .modelError else { return skipped["model_error", default: 0] += 1 }
        guard let parent else { return skipped["no_parent", default: 0] += 1 }
        let recorded = attempt.outcome == .rejected ? "rejected (\(attempt.kind ?? "unknown"))" : attempt.outcome.rawValue
        answers.append(Answer(
            run: run, iteration: attempt.iteration, attempt: attempt.attempt, recorded: recorded,
            now: Self.outcome(of: attempt.answer, on: parent, matching: matching)))
    }

    static func outcome(of answer: String, on parent: String, matching: DiffMatching) -> String {
        do {
            let applied = try Mutation.parse(answer).applying(to: parent, matching: matching)
            return applied.movedImports.isEmpty ? "child" : "child, imports moved"
        } catch {
            return "rejected (\(error.kind.rawValue))"
        }
    }

    /// A summary line and a table: one row per recorded outcome, one column per outcome now.
    public var markdown: String {
        let counts = self.counts
        let columns = Set(counts.values.flatMap(\.keys)).sorted()
        let skippedText = DiffReplay.skippedText(skipped)
        var lines = ["# Stored answers replayed", ""]
        lines.append(
            "\(answers.count) answers in \(runs.count) run\(runs.count == 1 ? "" : "s")\(skippedText): \(gained) the runs rejected make a child now, "
                + "\(lost) they accepted are rejected now.")
        lines += ["", "| recorded \\ now | " + columns.joined(separator: " | ") + " |", "|---|" + columns.map { _ in "---:|" }.joined()]
        for row in counts.keys.sorted() {
            lines.append("| \(row) | " + columns.map { "\(counts[row]?[$0] ?? 0)" }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
