import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A whole Slurm cluster on this machine, for tests of the Slurm backend: a munge daemon with its
/// own key and socket, `slurmctld` and `nodes` × `slurmd -N nX` on 127.0.0.1 (Debian's Slurm is
/// built with multiple-slurmd), everything under one temporary directory and nothing under /etc.
/// It follows the tested recipe of `shared/reference/slurm.md` (the up/down scripts); see
/// `SlurmCluster+Configuration.swift` for the configuration and why each setting is there.
///
/// `with(nodes:)` starts it, waits until every node is idle, hands it to the body and stops it
/// afterwards whatever happened: every job cancelled, the daemons stopped by their pids, any
/// `slurmstepd` of this cluster killed, the directory removed.
public final class SlurmCluster: Sendable {
    /// The cluster's directory: etc/slurm.conf, state, spool, log, run (pid files), munge.
    public let directory: URL
    /// The nodes' names, `n1`…`nN`.
    public let nodes: [String]
    public let partition = "debug"
    let basePort: Int
    public let options: Options

    /// What the cluster has beyond the tested recipe's defaults.
    public struct Options: Sendable, Hashable {
        /// Jobs confined in cgroups (`proctrack/cgroup`, `task/cgroup`, cgroup.conf with
        /// `ConstrainRAMSpace`), as clusters commonly run them, instead of `proctrack/linuxproc`.
        /// The nodes' cgroups are `slurm_nX/…`, the same for every cluster of this machine: tests
        /// that ask for it must not run at the same time.
        public var cgroups = false
        /// Accounting: a MariaDB server and `slurmdbd` of the cluster's own (about 5 s more to
        /// start), so that `sacct` answers; without it sacct says "accounting storage is disabled".
        public var accounting = false
        /// `JobCompType=jobcomp/filetxt` (a line per finished job in `log/jobcomp.txt`, which
        /// `sacct -c` reads); else `jobcomp/none`.
        public var completionLog = true
        /// `MinJobAge`: how long slurmctld (and so `squeue -t all`) remembers a finished job.
        /// slurmctld forgets such jobs in a pass about once a minute.
        public var minJobAge = 600

        public init(cgroups: Bool = false, accounting: Bool = false, completionLog: Bool = true, minJobAge: Int = 600) {
            self.cgroups = cgroups
            self.accounting = accounting
            self.completionLog = completionLog
            self.minJobAge = minJobAge
        }
    }

    /// The client commands' environment: `SLURM_CONF` names this cluster's configuration.
    public var environment: [String: String] { ["SLURM_CONF": configurationFile.path, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"] }
    public var configurationFile: URL { directory.appendingPathComponent("etc/slurm.conf") }

    /// Slurm's daemons and munge are installed, and this is root (the daemons run as root).
    public static var isInstalled: Bool {
        ["/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/srun"].allSatisfy {
            FileManager.default.isExecutableFile(atPath: $0)
        } && getuid() == 0
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts a cluster of `nodes` nodes with `cpus` CPUs each, runs `body`, and stops the cluster.
    public static func with<T: Sendable>(
        nodes: Int = 2, cpus: Int = 2, options: Options = Options(), _ body: (SlurmCluster) async throws -> T
    ) async throws -> T {
        let cluster = try SlurmCluster(nodes: nodes, options: options)
        do {
            try await cluster.start(cpus: cpus)
            let result = try await body(cluster)
            await cluster.stop()
            return result
        } catch {
            await cluster.stop()
            throw error
        }
    }

    private init(nodes: Int, options: Options) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-slurm-\(UUID().uuidString.prefix(8))")
        self.nodes = (1...nodes).map { "n\($0)" }
        self.options = options
        basePort = try Self.freePorts(count: nodes)
    }

    private func start(cpus: Int) async throws {
        for folder in ["etc", "state", "spool", "log", "run", "munge"] + nodes.map({ "spool/\($0)" }) {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        // Jobs running as other users, and munged's own checks, need to reach the socket's directory.
        _ = chmod(directory.path, 0o711)
        _ = chmod(directory.appendingPathComponent("munge").path, 0o711)
        try startMunge()
        try Data().write(to: directory.appendingPathComponent("etc/plugstack.conf"))
        try configuration(cpus: cpus).write(to: configurationFile, atomically: true, encoding: .utf8)
        if options.cgroups {
            try cgroupConfiguration.write(to: directory.appendingPathComponent("etc/cgroup.conf"), atomically: true, encoding: .utf8)
        }
        if options.accounting { try await startAccounting() }
        try daemon("/usr/sbin/slurmctld", [])
        for node in nodes { try daemon("/usr/sbin/slurmd", ["-N", node]) }
        try await waitUntilIdle()
    }

    private func startMunge() throws {
        let munge = directory.appendingPathComponent("munge")
        var key = [UInt8](repeating: 0, count: 1024)
        for index in key.indices { key[index] = UInt8.random(in: 0...255) }
        let keyFile = munge.appendingPathComponent("munge.key")
        try Data(key).write(to: keyFile)
        _ = chmod(keyFile.path, 0o400)
        try daemon(
            "/usr/sbin/munged",
            [
                "-f", "--key-file=\(keyFile.path)", "--socket=\(munge.appendingPathComponent("munge.sock").path)",
                "--pid-file=\(munge.appendingPathComponent("munged.pid").path)",
                "--log-file=\(munge.appendingPathComponent("munged.log").path)",
                "--seed-file=\(munge.appendingPathComponent("munged.seed").path)",
            ])
    }

    /// Runs a daemon that forks into the background and writes its pid file; throws if the
    /// foreground part fails.
    func daemon(_ executable: String, _ arguments: [String]) throws {
        let result = try run(executable, arguments)
        guard result.status == 0 else {
            throw Failure(description: "\(executable) \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.output)\n\(logs)")
        }
    }

    /// Polls `sinfo` until every node is idle (about a second; 30 s on a loaded machine at most).
    private func waitUntilIdle() async throws {
        for _ in 0..<300 {
            if let states = try? run("/usr/bin/sinfo", ["-h", "-o", "%t"]), states.status == 0,
                Set(states.output.split(whereSeparator: \.isNewline)) == ["idle"]
            {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure(description: "the Slurm cluster in \(directory.path) did not come up\n\(logs)")
    }

    /// The tail of every daemon's log, for failure messages.
    public var logs: String {
        let folder = directory.appendingPathComponent("log")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
        return names.map { name in
            let text = (try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? ""
            return "== \(name)\n" + text.split(separator: "\n").suffix(15).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// Runs a client command (sinfo, squeue, scancel, scontrol…) against this cluster; its
    /// standard output and error together, at most 1 MiB.
    @discardableResult
    public func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        // A file, not a pipe: a daemon that forks keeps the pipe open and a read would never end.
        let output = directory.appendingPathComponent("log/client-\(UUID().uuidString.prefix(8)).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let status = try ChildProcess.run(executable, arguments, environment: environment, output: output)
        let text = (try? FileHandle(forReadingFrom: output).read(upToCount: 1 << 20)).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) }
        return (status, text ?? "")
    }

    /// The cluster's jobs squeue still lists (pending, running, completing): `id|name|state|nodes` each.
    public func jobs() -> [String] {
        lines(of: ["-h", "-o", "%i|%j|%T|%N"])
    }

    /// The job steps squeue lists: `stepid|name|nodes` each.
    public func steps() -> [String] {
        lines(of: ["-h", "-s", "-o", "%i|%j|%N"])
    }

    /// squeue's lines; one line saying so when squeue fails (so that a test never sees "empty").
    private func lines(of arguments: [String]) -> [String] {
        guard let result = try? run("/usr/bin/squeue", arguments), result.status == 0 else {
            return ["<squeue failed>"]
        }
        return result.output.split(whereSeparator: \.isNewline).map(String.init)
    }

    /// Waits up to `seconds` for squeue to list no job and no step; true if it came to that.
    public func waitUntilEmpty(within seconds: Double = 15) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if jobs().isEmpty, steps().isEmpty { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}
