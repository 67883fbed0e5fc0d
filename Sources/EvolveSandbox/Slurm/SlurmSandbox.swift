import EvolveCore
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs each evaluation on a node of a Slurm cluster, through Slurm itself (never a queue of
/// Evolve's own).
///
/// Each evaluation gets a folder on the shared path with the candidate and a per-evaluation nonce
/// (`SlurmJobDirectory`), and `srun` runs the launcher (`evolve-slurm-launch.py`) on a node: in a
/// job of its own (placement `jobs`) or as a step of an allocation held for the run (placement
/// `steps`, `SlurmAllocation`). The launcher runs the command in a gVisor sandbox whose bundle the
/// gVisor backend describes (`SlurmSandbox+GVisor.swift`), or with the process backend's limits. `srun` is a `SupervisedProcess`, so Evolve's own wall clock and the
/// caller's cancellation stop it; Slurm's `--time` is only a backstop. A job started with srun
/// ends when srun is killed; the job or step is cancelled by name anyway and squeue asked until it
/// is gone. What came of the evaluation is decided by `SlurmVerdict` from the nonce-checked
/// outcome, srun's errors and the job's state: a node failure, a preemption or a cancellation
/// from outside is Slurm's doing, not the candidate's, and the evaluation is placed again (up to
/// `retries` times, away from the failed node) before it becomes a sandbox error.
public final class SlurmSandbox: Sandbox {
    public var name: String { "slurm" }
    /// The candidate is isolated on its node only by gVisor; `process` limits it but does not isolate it.
    public var isolates: Bool { configuration.slurm.isolation == .gvisor }

    public let configuration: Configuration
    let logger: Logger
    let client: SlurmClient
    let arguments: SlurmArguments
    let allocation: SlurmAllocation
    /// What evaluations of a killed process of this run left to collect (`recover`).
    let kept = SlurmKeptOutcomes()
    /// The run's folder on the shared path, per problem directory, made by the first evaluation.
    private let runs = Mutex<[String: Task<SlurmRun, any Error>]>([:])

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        client = SlurmClient(
            environment: configuration.environment,
            scratch: configuration.localRoot.appendingPathComponent("evolve-slurm-\(getpid())-\(configuration.runName)"))
        arguments = SlurmArguments(configuration: configuration)
        allocation = SlurmAllocation(client: client, arguments: arguments, name: configuration.runName + "-allocation")
    }

    public func checkAvailability() async throws {
        try prepareScratch()
        for tool in ["srun", "salloc", "squeue", "scancel", "sinfo"] where client.path(of: tool) == nil {
            throw SandboxError(.unavailable, "Slurm's `\(tool)` is not on PATH: install Slurm's client commands (Debian: slurm-client)")
        }
        let partition = configuration.slurm.partition.map { ["--partition=\($0)"] } ?? []
        let answer = try await client.run("sinfo", ["-h", "-o", "%P"] + partition)
        guard answer.succeeded else {
            throw SandboxError(.unavailable, "Slurm's controller does not answer (sinfo: \(answer.lastError)); check SLURM_CONF and slurmctld")
        }
        guard !answer.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw SandboxError(.unavailable, "Slurm has no partition \(configuration.slurm.partition ?? "") (sandbox.slurm.partition)")
        }
        if let settings = await client.settings(), !settings.tracksWithCgroups {
            logger.warning(
                """
                Slurm tracks the jobs' processes with \(settings.proctrack ?? "?"), not proctrack/cgroup: a process an evaluator \
                detaches can outlive its job when the launcher on the node is SIGKILLed
                """,
                metadata: ["slurm.proctrack": "\(settings.proctrack ?? "?")"])
        }
    }

    public func run(_ job: SandboxJob) async throws -> SandboxOutcome {
        let started = ContinuousClock.now
        if let outcome = collected(job) { return outcome }
        try prepareScratch()
        let run = try await self.run(for: job.problemDirectory)
        var avoided: Set<String> = []
        var losses: [String] = []
        for attempt in 0...configuration.slurm.retries {
            switch try await placeThroughRestarts(job, in: run, avoiding: avoided) {
            case .finished(var outcome):
                outcome.duration = started.duration(to: .now).inSeconds
                return outcome
            case .lost(let reason, let node):
                let again = attempt < configuration.slurm.retries ? "; placing it again" : ""
                logger.warning("Slurm lost an evaluation\(again)", metadata: ["slurm.reason": "\(reason)", "slurm.node": "\(node ?? "?")"])
                losses.append(reason + (node.map { " (\($0))" } ?? ""))
                if let node { avoided.insert(node) }
            }
        }
        throw SandboxError(.lost, "Slurm lost the evaluation \(losses.count) times: \(losses.joined(separator: "; "))")
    }

    /// Cancels every job and step of this run and the held allocation, confirms with squeue that
    /// none is left, and removes the run's files.
    public func shutdown() async {
        kept.removeAll()
        await allocation.release()
        if !(await client.cancel(named: configuration.runName + "-")) {
            logger.warning("some Slurm jobs of this run were still listed after scancel", metadata: ["slurm.run": "\(configuration.runName)"])
        }
        for task in runs.withLock({ $0.values }) {
            await (try? await task.value)?.remove()
        }
        try? FileManager.default.removeItem(at: client.scratch)
    }

    /// The outcome an evaluation of the same candidate and command left when an earlier process of
    /// this run was killed (see `recover`), if there is one.
    private func collected(_ job: SandboxJob) -> SandboxOutcome? {
        guard let found = kept.take(SlurmJobDirectory.key(for: job)) else { return nil }
        defer { found.directory.remove() }
        guard case .finished(let outcome)? = try? read(found.verdict, job: job, from: found.directory, gvisor: isolates) else { return nil }
        logger.notice(
            "an evaluation that finished while evolve was down is collected, not evaluated again",
            metadata: ["slurm.job": "\(found.directory.name)"])
        return outcome
    }

    func prepareScratch() throws {
        do {
            try FileManager.default.createDirectory(at: client.scratch, withIntermediateDirectories: true)
        } catch {
            throw SandboxError(.setupFailed, "could not create \(client.scratch.path): \(error.localizedDescription)")
        }
    }

    /// The run's folder on the shared path for this problem directory, prepared once (a failed
    /// preparation is tried again by the next evaluation).
    func run(for problemDirectory: URL) async throws -> SlurmRun {
        let (configuration, logger) = (self.configuration, self.logger)
        let task = runs.withLock { runs in
            if let task = runs[problemDirectory.path] { return task }
            let task = Task {
                try await SlurmRun.prepare(at: configuration.runDirectory(for: problemDirectory), configuration: configuration, logger: logger)
            }
            runs[problemDirectory.path] = task
            return task
        }
        do {
            return try await task.value
        } catch {
            runs.withLock { $0[problemDirectory.path] = nil }
            throw error
        }
    }
}
