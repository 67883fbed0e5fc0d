import EvolveCore
import EvolveDatabase
import Metrics

/// The pipeline's swift-metrics.
enum PipelineMetrics {
    /// After an evaluation: evaluations by status, their seconds, the archive's size and best score.
    static func evaluated(_ result: EvaluationResult, archive: ProgramDatabase) {
        Counter(label: "evolve.evaluations", dimensions: [("status", result.status.rawValue)]).increment()
        Timer(label: "evolve.evaluation_seconds").recordSeconds(result.duration)
        Gauge(label: "evolve.archive_size").record(archive.count)
        if let best = archive.best?.score { Gauge(label: "evolve.best_score").record(best) }
    }

    /// For a committed iteration's answers: tokens and model seconds per answer.
    static func answered(_ attempts: [AttemptRecord]) {
        for attempt in attempts where attempt.outcome != .modelError {
            Timer(label: "evolve.model_seconds").recordSeconds(attempt.modelSeconds)
            Counter(label: "evolve.tokens", dimensions: [("kind", "prompt")]).increment(by: attempt.promptTokens ?? 0)
            Counter(label: "evolve.tokens", dimensions: [("kind", "completion")]).increment(by: attempt.completionTokens ?? 0)
        }
    }
}
