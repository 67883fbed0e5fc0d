import EvolveCore
import Foundation

/// The allocation that placement `steps` runs evaluations in: made by `salloc --no-shell` at the
/// first evaluation, held for the run, and released (cancelled, and confirmed gone) at shutdown.
/// One that Slurm took away (its time limit, an administrator) is replaced at the next evaluation.
actor SlurmAllocation {
    private let client: SlurmClient
    private let arguments: SlurmArguments
    let name: String
    private var pending: Task<String, any Error>?
    private var released = false

    init(client: SlurmClient, arguments: SlurmArguments, name: String) {
        self.client = client
        self.arguments = arguments
        self.name = name
    }

    /// The allocation's job id, made now if there is none. Concurrent callers share one `salloc`.
    func id() async throws -> String {
        guard !released else { throw SandboxError(.unavailable, "the Slurm sandbox is shut down") }
        let task = pending ?? Task { [client, arguments, name] in try await Self.acquire(client, arguments, name) }
        pending = task
        do {
            return try await task.value
        } catch {
            if pending == task { pending = nil }
            throw error
        }
    }

    /// Forgets an allocation that is gone, so that the next evaluation makes a new one.
    func lost(_ id: String) async {
        guard let pending, (try? await pending.value) == id else { return }
        self.pending = nil
        await client.cancel(named: name, ids: [id])
    }

    /// Cancels the allocation (and every step in it) and waits until squeue no longer lists it.
    func release() async {
        released = true
        guard let pending else { return }
        self.pending = nil
        let id = try? await pending.value
        await client.cancel(named: name, ids: id.map { [$0] } ?? [])
    }

    private static func acquire(_ client: SlurmClient, _ arguments: SlurmArguments, _ name: String) async throws -> String {
        let wait = arguments.configuration.slurm.queueTimeout
        let result = try await client.run("salloc", arguments.salloc(name: name), timeout: wait)
        if result.succeeded, let match = result.stderr.firstMatch(of: /Granted job allocation (\d+)/) {
            return String(match.1)
        }
        // A salloc stopped while its job was pending leaves the job behind.
        await client.cancel(named: name)
        let why = result.status == nil ? "no allocation within \(Int(wait)) s (sandbox.slurm.queue_timeout)" : result.lastError
        throw SandboxError(.launchFailed, "salloc could not make the allocation for the evaluations' steps: \(why)")
    }
}
