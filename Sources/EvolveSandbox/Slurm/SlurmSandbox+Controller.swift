import EvolveCore
import Foundation
import Logging

extension SlurmSandbox {
    /// Places the evaluation; when that fails because `slurmctld` did not answer (a restart, its
    /// machine rebooting), waits for it — asking `sinfo` with a pause that grows from 1 s to 30 s,
    /// at most `sandbox.slurm.controller_wait` seconds in all — and places it again. Nothing of
    /// the failed placement is left (`place` cancels it), and the wait is not one of `retries`.
    func placeThroughRestarts(_ job: SandboxJob, in run: SlurmRun, avoiding nodes: Set<String>) async throws -> Placed {
        let wait = configuration.slurm.controllerWait
        let deadline = ContinuousClock.now + .seconds(wait)
        while true {
            do {
                return try await place(job, in: run, avoiding: nodes)
            } catch let error as SandboxError {
                // Slurm's commands retry for about 20 s themselves, so slurmctld may be back by
                // the time one gives up: its message says what happened.
                let outage = ["Unable to contact slurm controller", "Socket timed out"].contains { error.message.contains($0) }
                guard outage, error.code != .unavailable else { throw error }
                logger.warning("slurmctld does not answer; waiting for it", metadata: ["slurm.error": "\(error.message)"])
                guard try await client.waitForController(until: deadline) else {
                    throw SandboxError(
                        .unavailable,
                        "slurmctld did not answer for \(Int(wait)) s (sandbox.slurm.controller_wait); last error: \(error.message)")
                }
                logger.notice("slurmctld answers again; placing the evaluation again")
            }
        }
    }
}

extension SlurmClient {
    /// Whether `slurmctld` answers (`sinfo`, within 15 s).
    func controllerAnswers() async -> Bool {
        (try? await run("sinfo", ["-h", "-o", "%P"], timeout: 15))?.succeeded == true
    }

    /// Asks until `slurmctld` answers, pausing 1, 2, 4 … 30 s between questions; false when
    /// `deadline` passes first. Throws only when cancelled.
    func waitForController(until deadline: ContinuousClock.Instant) async throws -> Bool {
        var pause = Duration.seconds(1)
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: min(pause, ContinuousClock.now.duration(to: deadline)))
            if await controllerAnswers() { return true }
            pause = min(pause * 2, .seconds(30))
        }
        return false
    }
}
