import Foundation

extension SlurmClient {
    /// One job as `squeue` shows it.
    struct Job: Sendable, Hashable {
        var id: String
        var name: String
        /// PENDING, RUNNING, COMPLETING, COMPLETED, FAILED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, PREEMPTED, CANCELLED, …
        var state: String
        var reason: String
        var nodes: String
    }

    /// Jobs whose name starts with `prefix`; with `finished`, also those that ended in the last
    /// `MinJobAge` seconds (`-t all`). Without accounting (no slurmdbd) this is all Slurm
    /// remembers of a job, so it is asked right after the job ends.
    func jobs(named prefix: String, finished: Bool = false) async throws -> [Job] {
        let result = try await run("squeue", ["-h", "-o", "%i|%j|%T|%r|%N"] + (finished ? ["-t", "all"] : []))
        guard result.succeeded else { throw SandboxError(.launchFailed, "squeue failed: \(result.lastError)") }
        return result.stdout.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 5, fields[1].hasPrefix(prefix) else { return nil }
            return Job(id: fields[0], name: fields[1], state: fields[2], reason: fields[3], nodes: fields[4])
        }
    }

    /// The ids (`JOB.STEP`) of running steps whose name starts with `prefix`.
    func steps(named prefix: String) async throws -> [String] {
        let result = try await run("squeue", ["-h", "-s", "-o", "%i|%j"])
        guard result.succeeded else { throw SandboxError(.launchFailed, "squeue failed: \(result.lastError)") }
        return result.stdout.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(separator: "|", maxSplits: 1).map(String.init)
            return fields.count == 2 && fields[1].hasPrefix(prefix) ? fields[0] : nil
        }
    }

    /// Whether slurmctld has `node` down, failing or not responding (`*` after its state).
    func isDown(_ node: String) async -> Bool {
        guard let result = try? await run("sinfo", ["-h", "-n", node, "-o", "%t"]), result.succeeded else { return false }
        let state = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return state.hasSuffix("*") || ["down", "fail", "failg"].contains { state.hasPrefix($0) }
    }

    /// Cancels the jobs and steps named with `prefix` (and the ids given) and waits, at most
    /// `within`, until squeue lists none of them. True when that was confirmed.
    @discardableResult
    func cancel(named prefix: String, ids: [String] = [], within: Duration = .seconds(20)) async -> Bool {
        let deadline = ContinuousClock.now + within
        var ids = ids
        while ContinuousClock.now < deadline {
            do {
                let left = try await jobs(named: prefix).filter { $0.state != "COMPLETED" }.map(\.id) + steps(named: prefix)
                    + ids
                if left.isEmpty { return true }
                _ = try await run("scancel", Array(Set(left)))
                ids = []
            } catch {
                // slurmctld may be restarting: ask again until the deadline.
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return false
    }
}
