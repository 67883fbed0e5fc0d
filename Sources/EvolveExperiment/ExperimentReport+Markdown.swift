import EvolveController
import EvolveCore
import Foundation

extension ExperimentReport {
    /// The report as Markdown: one section per problem, with a table per measure.
    public func markdown(title: String = "Experiment report") -> String {
        var lines = ["# \(title)", "", "\(runs.count) runs. \(method)", ""]
        let peers = Set(runs.compactMap(\.peer)).sorted()
        if !peers.isEmpty {
            lines += [
                "Peer arms (\(peers.joined(separator: ", "))) ran their own command lines with their defaults as shipped, "
                    + "against the same model server and budget of model calls. **They run without a sandbox**: their "
                    + "evaluators ran as plain processes on the host, while Evolve's arms ran each candidate in Evolve's sandbox.", "",
            ]
        }
        for problem in problems {
            lines += section(problem)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func section(_ problem: ProblemSummary) -> [String] {
        let target = problem.target.map { ", target \(Self.number($0))" } ?? ""
        var lines = ["## \(problem.problem)", "", "Goal: \(problem.direction.rawValue)\(target). Plot: `\(problem.problem).svg`.", ""]
        lines.append("| variant | seeds | " + budgets.map { "best @\($0) calls" }.joined(separator: " | ") + " |")
        lines.append("|---|---|" + budgets.map { _ in "---|" }.joined())
        for variant in problem.variants {
            let cells = budgets.map { calls in variant.bestAtCalls[String(calls)].map(Self.spread) ?? "–" }
            lines.append("| \(variant.variant) | \(variant.seeds.count) | " + cells.joined(separator: " | ") + " |")
        }
        lines += ["", "| variant | reached target | calls to target | tokens to target | answers → children | calls → programs | rejections | cells | wall s | evaluator s | slots busy: model, evaluation |"]
        lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
        for variant in problem.variants {
            let share = variant.successShare.map { "\(variant.reachedTarget)/\(variant.seeds.count) (\(Self.percent($0)))" } ?? "no target"
            let rate = variant.childRate.map { "\(variant.children)/\(variant.answers) (\(Self.percent($0)))" } ?? "–"
            let callRate = variant.callRate.map { "\(variant.children)/\(variant.modelCalls) (\(Self.percent($0)))" } ?? "–"
            let rejections = variant.rejections.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            let columns = [
                variant.variant, share, variant.callsToTarget.map(Self.interval) ?? "–", variant.tokensToTarget.map(Self.interval) ?? "–",
                rate, callRate, rejections.isEmpty ? "none" : rejections, variant.cells.map(Self.spread) ?? "–",
                variant.wallSeconds.map(Self.spread) ?? "–", variant.evaluatorSeconds.map(Self.spread) ?? "–", Self.busy(variant),
            ]
            lines.append("| " + columns.joined(separator: " | ") + " |")
        }
        lines += verifierTable(problem)
        for variant in problem.variants {
            for (seed, error) in (variant.peerErrors ?? [:]).sorted(by: { $0.key < $1.key }) {
                lines += ["", "\(variant.variant) \(seed) failed: \(error)"]
            }
        }
        if !problem.comparisons.isEmpty {
            lines += ["", "Pairwise, best score at \(problem.comparisonCalls) model calls (Mann-Whitney U, two-sided):", ""]
            lines += ["| variants | medians | better by median | U | p |", "|---|---|---|---|---|"]
            for comparison in problem.comparisons {
                let medians = "\(comparison.firstMedian.map(Self.number) ?? "–") vs \(comparison.secondMedian.map(Self.number) ?? "–")"
                let test = comparison.test
                let p = test.map { String(format: "%.3g", $0.p) + ($0.exact ? " (exact)" : " (normal approx.)") } ?? "–"
                lines.append(
                    "| \(comparison.first) vs \(comparison.second) | \(medians) | \(comparison.better ?? "tie") | "
                        + "\(test.map { Self.number($0.u) } ?? "–") | \(p) |")
            }
        }
        lines.append("")
        return lines
    }

    /// The honest verifiers' table, for a problem whose runs had `evaluator.final` or `evaluator.recheck`.
    private func verifierTable(_ problem: ProblemSummary) -> [String] {
        let verified = problem.variants.filter { $0.heldOutAtCalls != nil }
        guard !verified.isEmpty else { return [] }
        var lines = [
            "", "Honest verifiers: the held-out score (`evaluator.final`) of the best program at each budget, beside the search "
                + "score above, and the would-be bests whose score did not reproduce (`evaluator.recheck`):", "",
            "| variant | " + budgets.map { "held-out @\($0) calls" }.joined(separator: " | ")
                + " | final best failed held-out | unstable bests (refused) |",
            "|---|" + budgets.map { _ in "---|" }.joined() + "---|---|",
        ]
        for variant in verified {
            let cells = budgets.map { calls in variant.heldOutAtCalls?[String(calls)].map(Self.spread) ?? "–" }
            let unstable = "\(variant.unstableBests ?? 0) (\(variant.refusedBests ?? 0))"
            let failed = "\(variant.heldOutFailed ?? 0)/\(variant.seeds.count)"
            lines.append("| \(variant.variant) | " + cells.joined(separator: " | ") + " | \(failed) | \(unstable) |")
        }
        return lines
    }

    static func spread(_ spread: Spread) -> String {
        "\(number(spread.median)) [\(number(spread.q1)), \(number(spread.q3))]"
    }

    static func interval(_ interval: Interval) -> String {
        "\(number(interval.median)) (95% CI \(number(interval.low))–\(number(interval.high)), n=\(interval.seeds))"
    }

    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e12 { return String(Int(value)) }
        return String(format: "%.4g", value)
    }

    /// Median shares of busy model and evaluation slots, "–" when no run stored stage times.
    static func busy(_ variant: VariantSummary) -> String {
        guard let model = variant.modelBusy, let evaluation = variant.evaluationBusy else { return "–" }
        return "\(percent(model.median)), \(percent(evaluation.median))"
    }

    static func percent(_ share: Double) -> String { "\(Int((share * 100).rounded()))%" }
}
