import EvolveController
import EvolveCore
import Foundation

extension RunSummary {
    /// What `evolve run` prints at the end.
    func text(run: RunDirectory) -> String {
        let ending: String
        switch reason {
        case .targetReached: ending = "target reached"
        case .budgetSpent: ending = "iteration budget spent"
        case .costBudgetSpent: ending = "cost budget spent"
        case .interrupted: ending = "interrupted (continue with --resume)"
        case .failed: ending = "stopped by a failure"
        }
        var lines = ["\(ending) after \(iterations) iterations, \(evaluations) evaluations in \(String(format: "%.1f", elapsedSeconds)) s"]
        if let best = best, let score = best.score {
            lines.append("best score \(formatScore(score)) (program \(best.id), iteration \(best.iteration))")
        } else {
            lines.append("no program has a score yet")
        }
        if evaluations > 0 {
            lines.append(occupancy.summary(modelSlots: modelSlots, evaluationSlots: evaluationSlots, over: elapsedSeconds))
        }
        if cost > 0 { lines.append("model answers cost \(String(format: "%.4f", cost)) in all") }
        lines.append("run saved in \(run.url.path); show the best program with: evolve best \(run.url.path)")
        return lines.joined(separator: "\n")
    }
}

func formatScore(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(format: "%.1f", value) : String(format: "%.6g", value)
}

