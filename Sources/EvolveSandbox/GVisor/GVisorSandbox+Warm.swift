import EvolveCore
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Warm evaluators (`sandbox.warm: true`): a reused sandbox whose supervisor is also a zygote.
///
/// Before its first job, the supervisor imports what the evaluator needs — the modules of
/// `evaluator.preload` and, for an OpenEvolve directory, evaluator.py and everything it imports
/// (the bridge's `evolve_preload`) — and reports ready; its start-up is not charged to any
/// candidate. Each job then gets what a reused sandbox's job gets (fresh PID, mount, IPC, UTS and
/// network namespaces, a fresh tmpfs at /tmp/eval and its own /candidate, uid 65534 without
/// capabilities, the same rlimits, wall clock and output limit), but when the command runs the
/// zygote's own Python on a script, `-c` code or a module (`python3 evaluate.py {program}`, the
/// OpenEvolve bridge), the job's first process runs it in place of starting Python again, with
/// `sys.argv`, `sys.path`, the environment and the standard streams a fresh interpreter would
/// have. Any other command is executed as in a reused sandbox.
///
/// What candidates share is what the zygote loaded before the first of them, never anything of
/// each other: the zygote forks the job's runner before the job is read, so no candidate's program,
/// output or changes to its interpreter ever enter the memory the next one is forked from.
///
/// A warm evaluator is replaced after `Configuration.warmEvaluations` jobs and whenever what it
/// was started for changes (the problem directory's files, the environment, the command, the
/// preloaded modules: the reuse key). When it dies, fails or does not become ready, that is the
/// harness's fault, never the candidate's: it is recorded in `warmFaults` and logged, and the
/// candidate is evaluated again in a new warm evaluator, then, if that fails too, in a fresh
/// sandbox of its own. A warm evaluator that never becomes ready for a problem is not tried again
/// for it: its candidates run in fresh sandboxes.
extension GVisorSandbox {
    /// What a warm evaluator is started with (passed to the supervisor as `--warm JSON`).
    struct WarmSpec: Hashable, Sendable {
        /// The job's command as it runs in the sandbox: the zygote preloads what its `-c` code's
        /// `evolve_preload` names, and starts on the interpreter it names.
        var argv: [String]
        var preload: [String]
        /// The problem directory's visible files (names, sizes, modification times), so that an
        /// evaluator started before an edit is not used after it.
        var fingerprint: Int

        var json: String {
            let object: [String: [String]] = ["argv": argv, "preload": preload]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// One time the harness, not the candidate, failed in a warm evaluator.
    public struct WarmFault: Sendable, Hashable {
        /// What went wrong, in words for the log.
        public var message: String
        /// Whether the candidate was then evaluated in a fresh sandbox instead of a warm one.
        public var evaluatedCold: Bool
    }

    func runWarm(_ job: SandboxJob) async throws -> SandboxOutcome {
        let spec = WarmSpec(
            argv: ContainerCommand.command(for: job), preload: job.preload,
            fingerprint: Self.fingerprint(of: job.problemDirectory, visibility: job.visibility))
        if coldOnly.withLock({ $0.contains(spec) }) { return try await runFresh(job) }
        let started = ContinuousClock.now
        for attempt in 1...2 {
            let fault: String
            switch try await exchange(job, warm: spec) {
            case .answered(let reply):
                return Self.outcome(from: reply, limits: job.limits)
            case .noAnswer:
                return Self.unanswered(since: started)
            case .failed(let message):
                fault = message
            case .stopped(let stderr):
                fault = "the warm evaluator's sandbox ended during the evaluation"
                    + (Evaluator.lastLine(stderr).map { " (\($0))" } ?? "")
            case .notReady(let message):
                coldOnly.withLock { _ = $0.insert(spec) }
                record(WarmFault(message: message + "; this problem's candidates now run in fresh sandboxes", evaluatedCold: true))
                return try await runFresh(job)
            }
            record(WarmFault(message: fault, evaluatedCold: attempt == 2))
        }
        return try await runFresh(job)
    }

    func record(_ fault: WarmFault) {
        faults.withLock { $0.all.append(fault) }
        logger.warning(
            "warm evaluator fault, not the candidate's: \(fault.message); evaluating the candidate again \(fault.evaluatedCold ? "in a fresh sandbox" : "in a new warm evaluator")",
            metadata: ["sandbox.backend": "gvisor", "sandbox.fault": "warm_evaluator"])
    }

    /// Logs what a new warm evaluator could not preload: its candidates then import it themselves,
    /// as a cold start would, and meet the same error if it is theirs to meet.
    func reportReadiness(of sandbox: ReusedSandbox) {
        struct Readiness: Decodable {
            var preloaded: [String]?
            var errors: [String]?
        }
        guard let line = sandbox.readiness.withLock({ $0 }), let readiness = try? JSONDecoder().decode(Readiness.self, from: line) else { return }
        logger.debug("warm evaluator ready", metadata: ["sandbox.preloaded": "\(readiness.preloaded ?? [])"])
        for error in readiness.errors ?? [] {
            logger.warning("a warm evaluator could not preload: \(error)", metadata: ["sandbox.backend": "gvisor"])
        }
    }

    /// Every harness fault of this sandbox's warm evaluators so far, oldest first.
    public var warmFaults: [WarmFault] { faults.withLock { $0.all } }

    public func takeFaults() -> [SandboxFault] {
        faults.withLock { faults in
            defer { faults.taken = faults.all.count }
            return faults.all[faults.taken...].map { SandboxFault(kind: "warm_evaluator", message: $0.message + ($0.evaluatedCold ? "; evaluated again in a fresh sandbox" : "; evaluated again")) }
        }
    }

    /// A hash of the visible files' names, sizes and modification times in the problem directory,
    /// two levels deep and at most 4,000 entries (dot-files, `runs/` and hidden paths left out: a
    /// run writes there all the time).
    static func fingerprint(of directory: URL, visibility: ProblemVisibility) -> Int {
        var hasher = Hasher()
        var pending: [(path: String, depth: Int)] = [("", 0)]
        var count = 0
        let root = directory.path
        while let (folder, depth) = pending.popLast(), count < 4000 {
            let absolute = folder.isEmpty ? root : root + "/" + folder
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: absolute)) ?? []).sorted() {
                let path = folder.isEmpty ? name : folder + "/" + name
                var info = stat()
                guard lstat(root + "/" + path, &info) == 0 else { continue }
                let isDirectory = info.st_mode & S_IFMT == S_IFDIR
                guard visibility.isVisible(path, isDirectory: isDirectory) else { continue }
                count += 1
                hasher.combine(path)
                hasher.combine(info.st_size)
                hasher.combine(info.st_mtim.tv_sec)
                hasher.combine(info.st_mtim.tv_nsec)
                if isDirectory, depth < 2 { pending.append((path, depth + 1)) }
            }
        }
        return hasher.finalize()
    }
}
