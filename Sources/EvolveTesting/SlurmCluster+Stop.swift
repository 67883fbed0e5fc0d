import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension SlurmCluster {
    /// Cancels every job, waits for their `slurmstepd` to end (they outlive slurmd), stops the
    /// daemons by their pid files — all at once, as one by one costs about 2 s each — kills
    /// whatever of this cluster is still running, and removes the directory.
    func stop() async {
        if isRunning(pidFile: "run/slurmctld.pid") {
            _ = try? run("/usr/bin/scancel", ["--partition=\(partition)"])
            let deadline = ContinuousClock.now + .seconds(15)
            while ContinuousClock.now < deadline, hasStepSockets {
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        let files = ["run/slurmctld.pid", "munge/munged.pid", "run/slurmdbd.pid", "mysql/mysql.pid"] + nodes.map { "run/slurmd-\($0).pid" }
        let daemons = files.compactMap(pid(in:))
        for pid in daemons { kill(pid, SIGTERM) }
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline, daemons.contains(where: ProcessTree.isAlive) {
            try? await Task.sleep(for: .milliseconds(50))
        }
        for pid in daemons where ProcessTree.isAlive(pid) { kill(pid, SIGKILL) }
        // A slurmstepd keeps its node's log open: anything holding a file of the cluster is its.
        ProcessTree.killWithDescendants(ProcessTree.holding(filesUnder: directory.path))
        if options.cgroups { removeNodeCgroups() }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Removes the nodes' cgroups (`/sys/fs/cgroup/*/slurm_nX`) that are left empty: a step whose
    /// cgroup another cgroup was made in cannot be removed by slurmstepd, and the next cluster of
    /// this machine would use the same names.
    func removeNodeCgroups() {
        let root = URL(fileURLWithPath: "/sys/fs/cgroup")
        for hierarchy in (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [] {
            for node in nodes {
                Self.removeEmptyCgroups(under: root.appendingPathComponent("\(hierarchy)/slurm_\(node)"))
            }
        }
    }

    /// rmdir of every cgroup below `folder` and of `folder`, the deepest first; a cgroup with
    /// processes stays.
    static func removeEmptyCgroups(under folder: URL) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else { return }
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] {
            Self.removeEmptyCgroups(under: folder.appendingPathComponent(entry))
        }
        _ = rmdir(folder.path)
    }

    /// Crashes `node` as a machine that loses power would: its slurmd, its step daemons and every
    /// task they run die at once (SIGKILL). slurmctld notices about 30 s later (`SlurmdTimeout`),
    /// sets the node DOWN and its jobs NODE_FAIL.
    public func crash(node: String) {
        var victims = ProcessTree.holding(filesUnder: directory.appendingPathComponent("log/slurmd-\(node).log").path)
        if let slurmd = pid(in: "run/slurmd-\(node).pid") { victims.append(slurmd) }
        ProcessTree.killWithDescendants(victims)
    }

    /// Stops `slurmctld` (SIGTERM; it saves its state) and waits until it is gone: clients then get
    /// "Unable to contact slurm controller" until `startController()`.
    public func stopController() async {
        guard let controller = pid(in: "run/slurmctld.pid") else { return }
        kill(controller, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline, ProcessTree.isAlive(controller) {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if ProcessTree.isAlive(controller) { kill(controller, SIGKILL) }
    }

    /// Starts `slurmctld` again; it recovers the jobs from its saved state.
    public func startController() throws {
        let result = try run("/usr/sbin/slurmctld", [])
        guard result.status == 0 else { throw Failure(description: "slurmctld did not start again: \(result.output)\n\(logs)") }
    }

    /// True while some node still has a step's socket (`spool/nX/nX_JOB.STEP`).
    private var hasStepSockets: Bool {
        nodes.contains { node in
            let spool = directory.appendingPathComponent("spool/\(node)").path
            let names = (try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []
            return names.contains { $0.hasPrefix(node + "_") && $0.contains(".") }
        }
    }

    /// The daemon whose pid `file` holds, if it is still this cluster's. A pid file outlives a
    /// daemon that was killed (a crashed node) or died, and with pid_max at 32768 its number is soon
    /// another process's, another test cluster's munged say (seen: a cluster's munged and
    /// slurmctld killed under a parallel run): a daemon of this cluster holds a file of it open
    /// (its log).
    private func pid(in file: String) -> pid_t? {
        guard let text = try? String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return nil }
        return ProcessTree.holds(pid, filesUnder: directory.path) ? pid : nil
    }

    private func isRunning(pidFile: String) -> Bool {
        pid(in: pidFile).map(ProcessTree.isAlive) ?? false
    }
}

/// The machine's processes as /proc shows them: who holds which files, who descends from whom.
enum ProcessTree {
    static func isAlive(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 || errno != ESRCH else { return false }
        return parentAndState(of: pid)?.state != "Z"
    }

    /// Processes with an open file whose path starts with `prefix`.
    static func holding(filesUnder prefix: String) -> [pid_t] {
        allPids().filter { holds($0, filesUnder: prefix) }
    }

    /// Whether `pid` has an open file whose path starts with `prefix` (the folder, or a path under it).
    static func holds(_ pid: pid_t, filesUnder prefix: String) -> Bool {
        let fds = "/proc/\(pid)/fd"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: fds)) ?? []
        return entries.contains { entry in
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fds)/\(entry)")) ?? ""
            return target == prefix || target.hasPrefix(prefix + "/")
        }
    }

    /// SIGKILLs `roots` and every process descending from them, the descendants first found
    /// while their parents still live (a dead parent's children are adopted by init).
    static func killWithDescendants(_ roots: [pid_t]) {
        var parents: [pid_t: pid_t] = [:]
        for pid in allPids() { parents[pid] = parentAndState(of: pid)?.parent }
        var doomed = Set(roots)
        var grew = true
        while grew {
            grew = false
            for (pid, parent) in parents where !doomed.contains(pid) && doomed.contains(parent) {
                doomed.insert(pid)
                grew = true
            }
        }
        for pid in doomed where pid > 1 && pid != getpid() { kill(pid, SIGKILL) }
    }

    private static func allPids() -> [pid_t] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid_t($0) }
    }

    private static func parentAndState(of pid: pid_t) -> (parent: pid_t, state: Character)? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 1, let state = fields[0].first, let parent = pid_t(fields[1]) else { return nil }
        return (parent, state)
    }
}
