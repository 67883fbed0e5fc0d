import EvolveCore
import Foundation

/// The folder of one evaluation on the shared path, `RUN/jobs/NAME-NONCE/`: what Evolve hands the
/// node (`job.json`, `candidate/`, an empty `eval/`) and what the launcher hands back
/// (`started.json`, `outcome.json`, `stdout`, `stderr`). Both records carry the evaluation's
/// nonce, a random value made for it alone and given to the launcher on its command line: a
/// record without it (from an earlier evaluation of the same name, or anything else that came to
/// lie there) is never taken for this evaluation's.
///
/// `job.json` also carries the evaluation's `key`, a hash of the candidate and the evaluator's
/// command: a resumed run collects the outcome of an evaluation that finished while evolve was
/// down, and uses it only for an evaluation of the same key (`SlurmKeptOutcomes`).
struct SlurmJobDirectory {
    let url: URL
    let nonce: String
    let name: String
    /// Nil for a folder whose job.json has none (written by an earlier version).
    let key: String?

    /// What `job.json` tells the launcher (see evolve-slurm-launch.py).
    struct Spec: Encodable {
        var nonce: String
        /// Set by `write`: the job's name and the evaluation's key, for a resumed run.
        var name: String? = nil
        var key: String? = nil
        var argv: [String]
        var env: [String: String]
        var cwd: String
        /// Name → limit, or [soft, hard].
        var rlimits: [String: [Int]]
        var timeout: Double
        var evalDir: String
        var resultLimit: Int
        /// Isolation `gvisor`: a tmpfs of this many MiB mounted at `evalDir` on the node.
        var tmpfsMB: Int?
        /// Isolation `gvisor`: the output (both files) past which the command is killed.
        var outputLimit: Int?
        /// Executables the node must have (a harness failure, not the candidate's, when missing).
        var requires: [String] = []
        /// Node-local folders to make first (runsc's state).
        var makeDirectories: [String] = []
        /// `cgroup.procs` files whose processes are killed after the command, whatever ended it.
        var cgroupProcs: [String] = []
        /// Glob patterns of files removed once those cgroups are empty (runsc's records).
        var records: [String] = []
        /// Commands run instead when a cgroup would not empty (`runsc delete -force`).
        var cleanup: [[String]] = []
        /// Glob patterns of cgroup folders removed afterwards.
        var cgroups: [String] = []
        /// Isolation `gvisor`: the name of the sandbox's cgroup when the launcher puts it under its
        /// own, a Slurm job's (the two lists above are then the launcher's).
        var nestedCgroup: String?
        /// Isolation `gvisor`: runsc with the run's runsc root, whose records of sandboxes that are
        /// gone (their launcher SIGKILLed) the launcher removes first.
        var sweep: [String]?

        enum CodingKeys: String, CodingKey {
            case nonce, name, key, argv, env, cwd, rlimits, timeout, requires, records, cleanup, cgroups, sweep
            case cgroupProcs = "cgroup_procs"
            case evalDir = "eval_dir"
            case resultLimit = "result_limit"
            case tmpfsMB = "tmpfs_mb"
            case outputLimit = "output_limit"
            case makeDirectories = "make_directories"
            case nestedCgroup = "nested_cgroup"
        }
    }

    /// What the launcher records: where it ran and, in `outcome.json`, how the command ended.
    struct Record: Decodable, Sendable, Hashable {
        var nonce: String
        var node: String?
        var jobID: String?
        var stepID: String?
        var timedOut: Bool?
        var outputExceeded: Bool?
        var exit: Int32?
        var signal: Int32?
        var duration: Double?
        var result: String?

        enum CodingKeys: String, CodingKey {
            case nonce, node, exit, signal, duration, result
            case jobID = "job_id"
            case stepID = "step_id"
            case timedOut = "timed_out"
            case outputExceeded = "output_exceeded"
        }

        /// `JOB.STEP` (or `JOB`) for scancel.
        var slurmID: String? { jobID.map { id in stepID.map { "\(id).\($0)" } ?? id } }
    }

    /// Makes the folder with the candidate and an empty `eval/`; throws a `SandboxError`.
    init(in run: URL, name: String, job: SandboxJob) throws {
        nonce = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        self.name = name
        key = Self.key(for: job)
        url = run.appendingPathComponent("jobs").appendingPathComponent("\(name)-\(nonce.prefix(8))")
        let candidate = url.appendingPathComponent("candidate")
        do {
            try FileManager.default.createDirectory(at: candidate, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: evalDirectory, withIntermediateDirectories: true)
            try job.writeCandidate(into: candidate)
        } catch {
            throw SandboxError(.setupFailed, "could not prepare \(url.path) on the shared path: \(error.localizedDescription)")
        }
    }

    /// The folder an earlier process of the run left at `url`, as its job.json describes it; nil
    /// when there is no readable job.json.
    init?(existing url: URL) {
        struct Identity: Decodable {
            var nonce: String
            var name: String?
            var key: String?
        }
        guard let data = try? Data(contentsOf: url.appendingPathComponent("job.json")),
            let spec = try? JSONDecoder().decode(Identity.self, from: data)
        else { return nil }
        self.url = url
        nonce = spec.nonce
        name = spec.name ?? String(url.lastPathComponent.dropLast(9))
        key = spec.key
    }

    /// What an evaluation's outcome may be reused for: a SHA-256 of the candidate (its file name
    /// and text), the evaluator's command and the problem directory it runs in.
    static func key(for job: SandboxJob) -> String {
        struct Identity: Encodable {
            var file: String
            var program: String
            var command: CommandLineSpec
            var problem: String
        }
        let identity = Identity(file: job.programFileName, program: job.program, command: job.command, problem: job.problemDirectory.path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return SHA256Digest.hex((try? encoder.encode(identity)) ?? Data(job.program.utf8))
    }

    var evalDirectory: URL { url.appendingPathComponent("eval") }

    func program(_ job: SandboxJob) -> URL {
        url.appendingPathComponent("candidate").appendingPathComponent(job.programFileName)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    func write(_ spec: Spec) throws {
        var spec = spec
        spec.name = name
        spec.key = key
        do {
            try JSONEncoder().encode(spec).write(to: file("job.json"))
        } catch {
            throw SandboxError(.setupFailed, "could not write \(file("job.json").path): \(error.localizedDescription)")
        }
    }

    /// `started.json` or `outcome.json`, if it is there and carries this evaluation's nonce.
    func record(_ name: String) -> Record? {
        guard let data = try? Data(contentsOf: file(name)), let record = try? JSONDecoder().decode(Record.self, from: data),
            record.nonce == nonce
        else { return nil }
        return record
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}
