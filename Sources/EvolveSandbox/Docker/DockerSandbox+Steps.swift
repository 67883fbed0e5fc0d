import EvolveCore
import Foundation
import Logging
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#endif

/// The steps of one evaluation through the Docker Engine API, in the order `run` takes them.
extension DockerSandbox {
    /// The candidate's folder, bound read-only into the container.
    func writeCandidate(_ job: SandboxJob, id: String) throws -> URL {
        let candidate = base.appendingPathComponent(id)
        do {
            try FileManager.default.createDirectory(at: candidate, withIntermediateDirectories: true)
            _ = chmod(candidate.path, 0o755)
            try job.writeCandidate(into: candidate)
            return candidate
        } catch {
            try? FileManager.default.removeItem(at: candidate)
            throw SandboxError(.setupFailed, "could not write the candidate to \(candidate.path): \(error.localizedDescription)")
        }
    }

    /// Creates and starts the container; a failure says what the engine answered.
    func createAndStart(_ job: SandboxJob, id: String, candidate: URL) async throws {
        do {
            let create = try await call(
                .POST, "/containers/create?name=\(id)", json: containerConfiguration(for: job, id: id, candidate: candidate), timeout: 30)
            guard create.status == 201 else {
                throw SandboxError(.launchFailed, "the Docker engine could not create the container: \(Self.message(create))")
            }
            let start = try await call(.POST, "/containers/\(id)/start", timeout: 30)
            guard start.status == 204 || start.status == 304 else {
                throw SandboxError(.launchFailed, "the Docker engine could not start the container: \(Self.message(start))")
            }
        } catch let error as SandboxError {
            throw error
        } catch {
            throw SandboxError(.launchFailed, "the Docker engine at \(host) failed: \(Self.describe(error))")
        }
    }

    /// Follows the container's log stream until it ends, under the watchdog: the wall clock and
    /// the output cap kill the container. A killed container's stream should end at once; the
    /// watchdog stops waiting for it after its grace if the engine does not end it.
    func supervise(_ id: String, limits: SandboxLimits) async -> (LogTails, Watchdog.Outcome<Bool>) {
        let output = LogTails(stdoutLimit: limits.outputBytes + (1 << 20), stderrLimit: limits.outputBytes)
        let watchdog = Watchdog(timeout: limits.timeout, output: Watchdog.OutputCap(limit: limits.maxFileBytes) { output.total })
        let supervised = await watchdog.supervise(
            wait: { [self] in
                do {
                    try await readLogs(of: id, into: output, limit: limits.maxFileBytes)
                    return true
                } catch {
                    if !Task.isCancelled { logger.warning("lost the log stream of \(id): \(Self.describe(error))") }
                    return false
                }
            },
            stop: { [self] _ in
                await Task.detached { [self] in
                    _ = try? await call(.POST, "/containers/\(id)/kill?signal=SIGKILL", timeout: 10)
                }.value
            })
        return (output, supervised)
    }

    /// The stopped container's exit code (nil if the engine gives none) and whether the kernel's
    /// out-of-memory killer ended it.
    func exitState(of id: String) async -> (code: Int32?, oomKilled: Bool) {
        var code: Int32?
        if let wait = try? await call(.POST, "/containers/\(id)/wait", timeout: 10),
            let status = (try? JSONDecoder().decode(DockerAPI.WaitResponse.self, from: wait.body))?.StatusCode, status >= 0
        {
            code = Int32(status)
        }
        guard let inspect = try? await call(.GET, "/containers/\(id)/json", timeout: 10),
            let state = (try? JSONDecoder().decode(DockerAPI.ContainerInspect.self, from: inspect.body))?.State
        else { return (code, false) }
        return (code ?? state.ExitCode.map(Int32.init), state.OOMKilled ?? false)
    }

    /// podman's follow stream can end before the last of a container's output under load (seen
    /// with two evaluations in flight): once the container has stopped, its whole log is read once
    /// more and whichever copy is longer is kept.
    func completeLog(of id: String, streamed: LogTails, limit: Int) async -> LogTails {
        let complete = LogTails(stdoutLimit: streamed.stdoutLimit, stderrLimit: streamed.stderrLimit)
        guard (try? await readLogs(of: id, into: complete, follow: false, limit: limit)) != nil, complete.total > streamed.total else {
            return streamed
        }
        logger.debug("the log stream of \(id) ended \(complete.total - streamed.total) bytes early; using the stopped container's log")
        return complete
    }
}
