import EvolveCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension SlurmSandbox {
    /// What came of placing an evaluation once.
    enum Placed: Sendable {
        case finished(SandboxOutcome)
        /// Slurm lost it (see `SlurmVerdict.lost`).
        case lost(String, node: String?)
    }

    /// Seconds Evolve's wall clock gives `srun` beyond the evaluation's own timeout (which the
    /// launcher enforces on the node): the launcher's start and its writing of the outcome.
    static let launchAllowance = 30.0

    /// How long a stopped `srun` has to pass SIGUSR1 on and let the launcher clean up on its node
    /// (a gVisor sandbox's cgroup emptied, its record and tmpfs removed: well under a second).
    static let cleanUpAllowance = Duration.seconds(3)

    /// Runs the evaluation once on the cluster: writes its folder, runs `srun` under Evolve's wall
    /// clock, and reads what came of it. Every way out leaves no job or step of it behind.
    func place(_ job: SandboxJob, in run: SlurmRun, avoiding nodes: Set<String>) async throws -> Placed {
        let name = configuration.runName + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let directory = try SlurmJobDirectory(in: run.url, name: name, job: job)
        defer { directory.remove() }
        try directory.write(run.gvisor.map { try gvisorSpec(for: job, in: directory, gvisor: $0) } ?? spec(for: job, in: directory))
        let allocationID = configuration.slurm.placement == .steps ? try await allocation.id() : nil
        guard let srun = client.path(of: "srun") else { throw SandboxError(.unavailable, "Slurm's `srun` is not on PATH") }
        let task = SlurmLauncher.command(run.launcher, job: directory)
        // Not tied to evolve's life: when evolve is SIGKILLed, srun (in a process group of its
        // own) and so the evaluation run on to their end, and the resumed run collects the outcome
        // (`recover`). Every other way out stops srun here.
        let process = SupervisedProcess(
            executable: srun,
            arguments: arguments.srun(name: name, allocation: allocationID, timeout: job.limits.timeout, excluding: nodes, task: task),
            environment: client.environment,
            workingDirectory: run.url.path, stdout: directory.file("srun.out"), stderr: directory.file("srun.err"),
            timeout: configuration.slurm.queueTimeout + job.limits.timeout + Self.launchAllowance,
            outputLimit: 1 << 20, politeStop: .init(signal: SIGUSR1, grace: Self.cleanUpAllowance))
        let ending = try await process.run()
        let started = directory.record("started.json")
        if Task.isCancelled || ending.stopped != nil {
            // srun is dead, so its job ends within a second; cancel it anyway, and confirm, even
            // though the caller is cancelled (hence a task of its own).
            let client = self.client
            await Task.detached { await client.cancel(named: name, ids: started?.slurmID.map { [$0] } ?? []) }.value
            if Task.isCancelled || ending.stopped == .cancelled { throw CancellationError() }
        }
        let evidence = try await evidence(of: directory, ending: ending, started: started, allocation: allocationID)
        return try read(SlurmVerdict(evidence), job: job, from: directory, gvisor: run.gvisor != nil)
    }

    /// What there is to know about how the evaluation ended; the job's state is asked of squeue
    /// only when the launcher left no outcome.
    private func evidence(
        of directory: SlurmJobDirectory, ending: SupervisedProcess.Ending, started: SlurmJobDirectory.Record?, allocation: String?
    ) async throws -> SlurmVerdict.Evidence {
        let outcome = directory.record("outcome.json")
        var status: Int32?
        if case .exited(let code)? = ending.exit { status = code }
        var evidence = SlurmVerdict.Evidence(
            outcome: outcome, started: started, srunStatus: ending.stopped == nil ? status : nil,
            stoppedByWallClock: ending.stopped == .timeout, srunErrors: readTail(of: directory.file("srun.err"), limit: 16 << 10).text,
            jobState: nil, queueTimeout: configuration.slurm.queueTimeout)
        guard outcome == nil else { return evidence }
        if evidence.stoppedByWallClock, let node = started?.node {
            evidence.nodeDown = await client.isDown(node)
        }
        guard ending.stopped == nil else { return evidence }
        if let allocation {
            // A step lost with its allocation: the allocation is replaced, the evaluation placed
            // again. (When squeue does not answer, the allocation is not taken for gone.)
            if let listed = try? await client.jobs(named: self.allocation.name, finished: true) {
                let state = listed.first { $0.id == allocation }?.state ?? "CANCELLED"
                if state != "RUNNING" {
                    await self.allocation.lost(allocation)
                    evidence.jobState = state
                }
            }
        } else {
            evidence.jobState = await client.state(ofJob: directory.name, id: started?.jobID)
        }
        return evidence
    }

    /// The outcome the verdict describes, read from the evaluation's folder; a sandbox error for a
    /// verdict of failure.
    func read(_ verdict: SlurmVerdict, job: SandboxJob, from directory: SlurmJobDirectory, gvisor: Bool) throws -> Placed {
        switch verdict {
        case .lost(let reason, let node):
            return .lost(reason, node: node)
        case .failed(let message):
            throw SandboxError(.launchFailed, "Slurm: \(message)")
        case .finished(var termination, let note):
            let limit = job.limits.outputBytes
            let stdout = readTail(of: directory.file("stdout"), limit: limit)
            let stderr = readTail(of: directory.file("stderr"), limit: limit)
            if gvisor, case .exited(let code) = termination {
                // runsc's exit status, read as the gVisor backend reads it.
                if let failure = GVisorSandbox.runscFailure(code: code, stderr: stderr.text) {
                    throw SandboxError(.launchFailed, "runsc could not run the evaluation on its node: \(failure)")
                }
                termination = ContainerCommand.termination(exitCode: code)
            }
            let outcome = directory.record("outcome.json")
            return .finished(
                SandboxOutcome(
                    termination: termination, stdout: stdout.text, stderr: stderr.text + (note.map { "\nevolve: \($0)\n" } ?? ""),
                    resultFile: outcome?.result, duration: outcome?.duration ?? 0,
                    outputTruncated: stdout.truncated || stderr.truncated))
        }
    }

    /// job.json for the launcher: the command as the process backend runs it, with its folders on the shared path.
    func spec(for job: SandboxJob, in directory: SlurmJobDirectory) -> SlurmJobDirectory.Spec {
        let evalDirectory = directory.evalDirectory.path
        let argv = job.command.argv(replacing: [
            "program": directory.program(job).path, "eval_dir": evalDirectory, "problem": job.problemDirectory.path,
        ])
        return SlurmJobDirectory.Spec(
            nonce: directory.nonce, argv: argv,
            env: ProcessSandbox.environment(for: job, evalDirectory: evalDirectory, searchPath: "/usr/local/bin:/usr/bin:/bin"),
            cwd: job.problemDirectory.path, rlimits: CandidateLimits(job.limits).named, timeout: job.limits.timeout,
            evalDir: evalDirectory, resultLimit: 1 << 20)
    }
}
