import Foundation

extension SlurmClient {
    /// What `scontrol show config` says of the cluster, as far as Evolve needs it.
    struct ClusterSettings: Sendable, Hashable {
        /// `AccountingStorageType`: `accounting_storage/none` when there is no slurmdbd, and then
        /// `sacct` has nothing ("Slurm accounting storage is disabled").
        var accountingStorage: String?
        /// `ProctrackType`: only `proctrack/cgroup` finds every process of a step, wherever it
        /// went; `proctrack/linuxproc` follows parent links, which a detached process cuts.
        var proctrack: String?
        /// `JobCompType` and `JobCompLoc`: with `jobcomp/filetxt`, slurmctld appends a line per
        /// finished job to that file, which `sacct -c` reads where the file can be read.
        var jobCompletion: String?
        var jobCompletionLog: String?

        var hasAccounting: Bool { accountingStorage.map { $0 != "accounting_storage/none" } ?? false }
        var tracksWithCgroups: Bool { proctrack == "proctrack/cgroup" }
        /// The job completion log can be read here (this machine is slurmctld's, or the file is on a shared path).
        var readsCompletionLog: Bool {
            jobCompletion == "jobcomp/filetxt" && jobCompletionLog.map { FileManager.default.isReadableFile(atPath: $0) } == true
        }

        init(accountingStorage: String? = nil, proctrack: String? = nil, jobCompletion: String? = nil, jobCompletionLog: String? = nil) {
            self.accountingStorage = accountingStorage
            self.proctrack = proctrack
            self.jobCompletion = jobCompletion
            self.jobCompletionLog = jobCompletionLog
        }

        /// From `scontrol show config`'s `Key = value` lines.
        init(parsing text: String) {
            var values: [String: String] = [:]
            for line in text.split(whereSeparator: \.isNewline) {
                let parts = line.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                values[parts[0].trimmingCharacters(in: .whitespaces)] = parts[1].trimmingCharacters(in: .whitespaces)
            }
            self.init(
                accountingStorage: values["AccountingStorageType"], proctrack: values["ProctrackType"], jobCompletion: values["JobCompType"],
                jobCompletionLog: values["JobCompLoc"])
        }
    }

    /// The cluster's settings; nil when `scontrol` is missing or does not answer.
    func settings() async -> ClusterSettings? {
        guard path(of: "scontrol") != nil, let result = try? await run("scontrol", ["show", "config"], timeout: 15), result.succeeded else {
            return nil
        }
        return ClusterSettings(parsing: result.stdout)
    }

    /// How the job `name` (id `id`, when known) ended, or its state if it has not: what
    /// `squeue -t all` shows while slurmctld remembers the job (`MinJobAge`, 300 s by default);
    /// after that what `sacct` finds in the cluster's accounting (slurmdbd) or, without
    /// accounting ("Slurm accounting storage is disabled"), in a job completion log this machine
    /// can read (`sacct -c`). Nil when none of them knows.
    func state(ofJob name: String, id: String?) async -> String? {
        if let listed = try? await jobs(named: name, finished: true).first(where: { $0.name == name && (id == nil || $0.id == id) }) {
            return listed.state
        }
        guard let id, path(of: "sacct") != nil, let settings = await settings() else { return nil }
        if settings.hasAccounting { return await recordedState(ofJob: id, name: name, source: "-X") }
        if settings.readsCompletionLog { return await recordedState(ofJob: id, name: name, source: "-c") }
        return nil
    }

    /// The job's state as sacct reads it from `source` (`-X`: accounting, the job's allocation
    /// only; `-c`: the completion log): its first word (`CANCELLED by 0` is CANCELLED). Not
    /// `sacct --json`, whose exit codes 22.05.8 gets wrong.
    func recordedState(ofJob id: String, name: String, source: String) async -> String? {
        guard let result = try? await run("sacct", ["-n", "-P", source, "-j", id, "-o", "JobID,JobName,State"], timeout: 15),
            result.succeeded
        else { return nil }
        for line in result.stdout.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3, fields[0] == id, fields[1] == name else { continue }
            return fields[2].split(separator: " ").first.map(String.init)
        }
        return nil
    }
}
