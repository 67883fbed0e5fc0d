import EvolveCore
import Foundation
import Synchronization

/// Shows a run's progress on standard error: a live line on a terminal, one line per evaluated
/// program otherwise. Tracks iterations, the best score, evaluations per second and failures by reason.
final class ProgressReporter: Sendable {
    private struct State {
        var iterations = 0
        var evaluations = 0
        var best: Double?
        var failures: [String: Int] = [:]
        var rejections = 0
        var faults: [String: Int] = [:]
        var cost = 0.0
        var started = Date()
        var total: Int
        var liveLine = false
    }

    private let state: Mutex<State>
    private let goal: Goal
    private let quiet: Bool
    private let interactive = isatty(STDERR_FILENO) != 0

    init(goal: Goal, iterations: Int, quiet: Bool) {
        self.goal = goal
        self.quiet = quiet
        state = Mutex(State(total: iterations))
    }

    /// Shows every event of a subscription until it ends.
    func follow(_ events: AsyncStream<EvolutionEvent>) -> Task<Void, Never> {
        Task { for await event in events { handle(event) } }
    }

    func handle(_ event: EvolutionEvent) {
        guard !quiet else { return }
        let line: String? = state.withLock { state in
            switch event {
            case .runStarted(let started):
                state.total = started.iterations
                state.iterations = started.finishedIterations
                state.started = Date()
                var resumed = started.resumedPrograms > 0 ? ", resuming with \(started.resumedPrograms) stored programs" : ""
                if let journaled = started.journaledChildren, journaled > 0 {
                    resumed += " and \(journaled) journaled \(journaled == 1 ? "child" : "children") to evaluate without asking the model again"
                }
                return "evolving with \(started.model) in the \(started.backend) sandbox, \(started.iterations) iterations\(resumed)\n  run: \(started.runDirectory)"
            case .programAdded(let added):
                if added.iteration > 0 { state.iterations += 1 }
                state.evaluations += 1
                state.best = added.bestScore
                state.cost = max(state.cost, added.runCost)
                if added.status != .success { state.failures[added.status.rawValue, default: 0] += 1 }
                var text = added.iteration == 0 ? "start" : "iteration \(added.iteration)"
                if let score = added.score, added.status == .success {
                    text += ": score \(formatScore(score))"
                } else {
                    text += ": \(added.status.rawValue) (\(added.failureReason.map { String($0.prefix(100)) } ?? ""))"
                }
                if added.isNewBest { text += "  new best" }
                if let verification = added.verification { text += " (\(verification))" }
                return status(state, detail: text)
            case .iterationFailed(let failed):
                state.iterations += 1
                state.failures[failed.reason.code, default: 0] += 1
                state.cost = max(state.cost, failed.runCost)
                return status(state, detail: "iteration \(failed.iteration): no child (\(failed.reason))")
            case .mutationRejected:
                state.rejections += 1
                return nil
            case .modelFault(let fault):
                state.faults[fault.kind, default: 0] += 1
                return fault.willRetry ? nil : status(state, detail: "model request failed: \(fault.kind)")
            case .migration(let migration):
                return status(state, detail: "migration: island \(migration.from) → \(migration.to)")
            case .workInFlight, .runFinished:
                return nil
            }
        }
        guard let line else { return }
        write(line)
    }

    private func status(_ state: State, detail: String) -> String {
        let elapsed = max(Date().timeIntervalSince(state.started), 0.001)
        let rate = Double(state.evaluations) / elapsed
        var text = "[\(state.iterations)/\(state.total)] best \(state.best.map(formatScore) ?? "-") · \(String(format: "%.2f", rate)) evals/s"
        if !state.failures.isEmpty {
            text += " · failures: " + state.failures.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        if state.rejections > 0 { text += " · rejected answers \(state.rejections)" }
        if state.cost > 0 { text += " · cost " + String(format: "%.4f", state.cost) }
        if !state.faults.isEmpty {
            text += " · model faults: " + state.faults.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        return text + " · " + detail
    }

    private func write(_ line: String) {
        if interactive {
            let width = 160
            let clipped = line.count > width ? String(line.prefix(width - 1)) + "…" : line
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + clipped).utf8))
            state.withLock { $0.liveLine = true }
            if line.contains("\n") { FileHandle.standardError.write(Data("\n".utf8)) }
        } else {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    /// Ends the live line so the summary starts on a line of its own.
    func finish() {
        let live = state.withLock { $0.liveLine }
        if interactive, live { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
