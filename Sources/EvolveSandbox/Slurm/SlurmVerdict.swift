import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What became of one evaluation on the cluster, decided from everything there is to read: the
/// launcher's outcome (nonce-checked), whether the launcher started, how `srun` ended and what it
/// said, and the job's state as squeue last saw it. A pure function of those, tested without a cluster.
enum SlurmVerdict: Sendable, Hashable {
    /// The candidate's own end (`note` explains a Slurm-made one, e.g. out of memory).
    case finished(SandboxOutcome.Termination, note: String?)
    /// Slurm lost the evaluation (node failure, preemption, cancelled by someone else): not the
    /// candidate's doing, so it is placed again, away from `node`, or becomes a sandbox error.
    case lost(String, node: String?)
    /// The sandbox could not run it (a sandbox error, not placed again).
    case failed(String)

    struct Evidence: Sendable {
        var outcome: SlurmJobDirectory.Record?
        var started: SlurmJobDirectory.Record?
        /// srun's exit status; nil when Evolve's wall clock stopped it.
        var srunStatus: Int32?
        var stoppedByWallClock: Bool
        var srunErrors: String
        /// The job's state as squeue shows it (placement `jobs`); nil when not known.
        var jobState: String?
        /// The node the launcher started on no longer answers slurmctld (asked only when Evolve's
        /// wall clock stopped an evaluation that left no outcome).
        var nodeDown = false
        var queueTimeout: Double
    }

    init(_ evidence: Evidence) {
        let said = evidence.srunErrors
        let state = evidence.jobState ?? ""
        let node = evidence.outcome?.node ?? evidence.started?.node
        let outOfMemory = state == "OUT_OF_MEMORY" || said.range(of: "out of memory|oom-kill", options: [.regularExpression, .caseInsensitive]) != nil
        if let outcome = evidence.outcome {
            self = outOfMemory
                ? .finished(.signaled(SIGKILL), note: Self.outOfMemoryNote) : .finished(Self.termination(of: outcome), note: nil)
        } else if evidence.stoppedByWallClock {
            if evidence.started == nil {
                self = .failed("the evaluation waited more than \(Int(evidence.queueTimeout)) s for a node (sandbox.slurm.queue_timeout)")
            } else {
                // The launcher keeps the evaluation's wall clock itself: when Evolve's, later, had to
                // stop it, the node may be gone rather than the candidate slow.
                self = evidence.nodeDown ? .lost("its node stopped responding", node: node) : .finished(.timedOut, note: nil)
            }
        } else if state == "TIMEOUT" || said.contains("DUE TO TIME LIMIT") {
            self = .finished(.timedOut, note: "Slurm's time limit (sandbox.slurm.time) ended the job")
        } else if outOfMemory {
            self = .finished(.signaled(SIGKILL), note: Self.outOfMemoryNote)
        } else if let reason = Self.loss(state: state, said: said) {
            self = .lost(reason, node: node)
        } else {
            let words = said.split(whereSeparator: \.isNewline).suffix(3).joined(separator: " / ")
            self = .failed(
                "the job ended without a result (srun exit status \(evidence.srunStatus.map(String.init) ?? "none")"
                    + (state.isEmpty ? "" : ", job state \(state)") + ")" + (words.isEmpty ? "" : ": \(words)"))
        }
    }

    static let outOfMemoryNote = "Slurm killed the evaluation: out of memory (sandbox.slurm.memory_mb)"

    static func termination(of outcome: SlurmJobDirectory.Record) -> SandboxOutcome.Termination {
        if outcome.timedOut == true { return .timedOut }
        // As the gVisor backend reports output past its cap: the file-size signal.
        if outcome.outputExceeded == true { return .signaled(SIGXFSZ) }
        if let signal = outcome.signal { return .signaled(signal) }
        return .exited(outcome.exit ?? 0)
    }

    /// Why Slurm took the job away, if it did.
    static func loss(state: String, said: String) -> String? {
        switch state {
        case "NODE_FAIL": return "its node failed"
        case "PREEMPTED": return "it was preempted"
        case "BOOT_FAIL": return "its node failed to boot"
        case "CANCELLED": return "it was cancelled outside Evolve"
        default: break
        }
        if said.contains("Node failure") { return "its node failed" }
        if said.contains("DUE TO PREEMPTION") { return "it was preempted" }
        if said.contains("CANCELLED") || said.contains("Force Terminated") { return "it was cancelled outside Evolve" }
        return nil
    }
}
