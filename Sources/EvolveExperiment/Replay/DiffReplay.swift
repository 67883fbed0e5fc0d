import EvolveController
import EvolveCore
import EvolveDatabase
import Foundation

/// The SEARCH/REPLACE answers stored in runs, applied again to their parents under several
/// `DiffMatching`s: how many apply exactly, how many only with whitespace tolerance or with
/// similar-line matching, and why the rest fail. `evolve-bench diffs` prints it.
public struct DiffReplay: Sendable, Hashable, Codable {
    /// What one answer became under one matching.
    public struct Result: Sendable, Hashable, Codable {
        public var threshold: Double
        /// The loosest way a SEARCH part was placed, when the answer applied.
        public var match: SearchMatch.Kind?
        /// The lowest similarity of a part placed by similar lines.
        public var similarity: Double?
        /// The rejection kind (`no_match`, `ambiguous`, ...) when it did not apply.
        public var failure: String?
    }

    /// One stored answer that parsed as SEARCH/REPLACE edits.
    public struct Answer: Sendable, Hashable, Codable {
        public var run: String
        public var iteration: Int
        public var attempt: Int
        /// What the run recorded: its outcome, and the rejection kind if any.
        public var recorded: String
        public var results: [Result]
    }

    /// The counts of one matching over every answer.
    public struct Tally: Sendable, Hashable, Codable {
        public var threshold: Double
        public var margin: Double
        public var exact = 0
        /// Applied, some part only ignoring trailing whitespace or indentation.
        public var whitespace = 0
        /// Applied, some part only by similar lines.
        public var similar = 0
        /// Did not apply, by rejection kind.
        public var failed: [String: Int] = [:]

        public var applied: Int { exact + whitespace + similar }
        public var failures: Int { failed.values.reduce(0, +) }
    }

    public var runs: [String]
    /// Stored answers left out, by why: `rewrite`, `no_parent` (its parent is not stored), or the
    /// parse rejection (`no_blocks`, `malformed_block`).
    public var skipped: [String: Int]
    public var answers: [Answer]
    public var tallies: [Tally]
}

extension DiffReplay {
    /// Replays every run's answers under each matching (`DiffMatching.exact` is always the first).
    public static func read(_ runs: [RunDirectory], matchings: [DiffMatching]) async throws -> DiffReplay {
        let matchings = [DiffMatching.exact] + matchings.filter { $0 != .exact }
        var replay = DiffReplay(
            runs: runs.map(\.url.path), skipped: [:], answers: [],
            tallies: matchings.map { Tally(threshold: $0.threshold, margin: $0.margin) })
        try await StoredAttempts.forEach(in: runs) { attempt, parent, run in
            guard attempt.outcome != .modelError else { return }
            replay.add(attempt, parent: parent, run: run.url.lastPathComponent, matchings: matchings)
        }
        return replay
    }

    mutating func add(_ attempt: AttemptRecord, parent: String?, run: String, matchings: [DiffMatching]) {
        let mutation: Mutation
        do { mutation = try Mutation.parse(attempt.answer) } catch { return skipped[error.kind.rawValue, default: 0] += 1 }
        guard case .edits = mutation else { return skipped["rewrite", default: 0] += 1 }
        guard let parent else { return skipped["no_parent", default: 0] += 1 }
        let results = matchings.map { Self.result(of: mutation, on: parent, matching: $0) }
        for (index, result) in results.enumerated() { tallies[index].count(result) }
        let recorded = attempt.outcome.rawValue + (attempt.kind.map { " (\($0))" } ?? "")
        answers.append(Answer(run: run, iteration: attempt.iteration, attempt: attempt.attempt, recorded: recorded, results: results))
    }

    static func result(of mutation: Mutation, on parent: String, matching: DiffMatching) -> Result {
        do {
            let applied = try mutation.applying(to: parent, matching: matching)
            let similarity = applied.matches.filter { $0.kind == .similar }.map(\.similarity).min()
            return Result(threshold: matching.threshold, match: applied.loosest, similarity: similarity)
        } catch {
            return Result(threshold: matching.threshold, failure: error.kind.rawValue)
        }
    }
}

extension DiffReplay.Tally {
    mutating func count(_ result: DiffReplay.Result) {
        switch result.match {
        case .exact?: exact += 1
        case .trailingWhitespace?, .indentation?: whitespace += 1
        case .similar?: similar += 1
        case nil: failed[result.failure ?? "unknown", default: 0] += 1
        }
    }
}

extension DiffReplay {
    /// The counts as a Markdown table, one row per matching.
    public var markdown: String {
        let total = answers.count
        var lines = ["# SEARCH/REPLACE answers replayed", ""]
        lines.append("\(total) answers with SEARCH/REPLACE blocks in \(runs.count) run\(runs.count == 1 ? "" : "s")" + skippedText + ".")
        lines += ["", "| threshold | applied | exact | whitespace-tolerant | similar lines | still failing | failures by reason |"]
        lines.append("|---:|---:|---:|---:|---:|---:|---|")
        for tally in tallies {
            let reasons = tally.failed.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key) \($0.value)" }
            let columns = [
                tally.threshold == 1 ? "1 (exact only)" : "\(tally.threshold) (margin \(tally.margin))",
                Self.share(tally.applied, of: total), "\(tally.exact)", "\(tally.whitespace)", "\(tally.similar)",
                Self.share(tally.failures, of: total), reasons.isEmpty ? "none" : reasons.joined(separator: ", "),
            ]
            lines.append("| " + columns.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private var skippedText: String { Self.skippedText(skipped) }

    /// " (skipped: KIND N, …)" for the answers a replay left out, or "" when there are none.
    static func skippedText(_ skipped: [String: Int]) -> String {
        guard !skipped.isEmpty else { return "" }
        return " (skipped: " + skipped.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
    }

    private static func share(_ count: Int, of total: Int) -> String {
        total == 0 ? "\(count)" : "\(count) (\(Int((Double(count) / Double(total) * 100).rounded()))%)"
    }
}
