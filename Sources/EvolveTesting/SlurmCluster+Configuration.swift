import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension SlurmCluster {
    /// slurm.conf for this cluster. Why the settings (measured in `shared/reference/slurm.md`):
    /// - `SlurmctldHost` must be this host's short name, or slurmctld will not start.
    /// - `%n` in the spool, pid and log paths keeps the slurmds of one host apart.
    /// - `proctrack/linuxproc` + `task/none`: no cgroup setup (slurmd still needs /sys/fs/cgroup mounted).
    /// - `config_overrides` lets a node declare more CPUs than the machine has (else it is drained).
    /// - `batch_sched_delay=0`: batch jobs wait for the next once-a-second pass, not 3 s more.
    /// - `KillWait=5`: a cancelled job that ignores SIGTERM is killed after 5 s.
    /// - `MinJobAge=600`: finished jobs stay visible to `squeue -t all` for 10 minutes.
    /// - `SlurmdTimeout=5`: a node whose slurmd died is declared DOWN (and its jobs NODE_FAIL) in
    ///   about 30 s instead of 5 minutes, so that a test can wait for it.
    /// - With `options.cgroups`: `proctrack/cgroup` and `task/cgroup` (cgroup.conf below), so that
    ///   every process of a step, wherever it went, is killed when the step ends; memory is a
    ///   consumable resource (`CR_Core_Memory`, 400 MB a CPU by default), so `--mem` limits the step.
    /// - With `options.accounting`: `accounting_storage/slurmdbd` at the cluster's own slurmdbd;
    ///   `AccountingStoragePass` names the private munge socket (without it slurmctld's munge
    ///   encode fails), and `jobacct_gather/linux`.
    func configuration(cpus: Int) -> String {
        let munge = directory.appendingPathComponent("munge/munge.sock").path
        let path = directory.path
        var lines = [
            "ClusterName=evolvetest",
            "SlurmctldHost=\(Self.shortHostName)(127.0.0.1)",
            "SlurmctldPort=\(basePort)",
            "SlurmdPort=\(basePort + 1)",
            "AuthType=auth/munge",
            "AuthInfo=socket=\(munge)",
            "CredType=cred/munge",
            "SlurmUser=root",
            "SlurmdUser=root",
            "StateSaveLocation=\(path)/state",
            "SlurmdSpoolDir=\(path)/spool/%n",
            "SlurmctldPidFile=\(path)/run/slurmctld.pid",
            "SlurmdPidFile=\(path)/run/slurmd-%n.pid",
            "SlurmctldLogFile=\(path)/log/slurmctld.log",
            "SlurmdLogFile=\(path)/log/slurmd-%n.log",
            "PlugStackConfig=\(path)/etc/plugstack.conf",
            options.cgroups ? "ProctrackType=proctrack/cgroup" : "ProctrackType=proctrack/linuxproc",
            options.cgroups ? "TaskPlugin=task/cgroup" : "TaskPlugin=task/none",
        ]
        if options.accounting {
            lines += [
                "JobAcctGatherType=jobacct_gather/linux",
                "AccountingStorageType=accounting_storage/slurmdbd",
                "AccountingStorageHost=127.0.0.1",
                "AccountingStoragePort=\(basePort + 2)",
                "AccountingStoragePass=\(munge)",
            ]
        } else {
            lines += ["JobAcctGatherType=jobacct_gather/none", "AccountingStorageType=accounting_storage/none"]
        }
        lines += [
            options.completionLog ? "JobCompType=jobcomp/filetxt" : "JobCompType=jobcomp/none",
            "JobCompLoc=\(path)/log/jobcomp.txt",
            "SelectType=select/cons_tres",
            // With cgroups, memory is allocated too, so that `--mem` becomes the step's memory limit.
            options.cgroups ? "SelectTypeParameters=CR_Core_Memory\nDefMemPerCPU=400" : "SelectTypeParameters=CR_Core",
            "SchedulerType=sched/backfill",
            "SchedulerParameters=batch_sched_delay=0",
            "SlurmdParameters=config_overrides",
            "MpiDefault=none",
            "MailProg=/bin/true",
            "SwitchType=switch/none",
            "ReturnToService=2",
            "KillWait=5",
            "SlurmdTimeout=5",
            "MinJobAge=\(options.minJobAge)",
            "SlurmctldDebug=info",
            "SlurmdDebug=info",
        ]
        for (index, node) in nodes.enumerated() {
            lines.append(
                "NodeName=\(node) NodeHostname=\(Self.shortHostName) NodeAddr=127.0.0.1 Port=\(basePort + 10 + index + 1) "
                    + "CPUs=\(cpus) RealMemory=1000 State=UNKNOWN")
        }
        lines.append("PartitionName=\(partition) Nodes=ALL Default=YES MaxTime=INFINITE State=UP")
        return lines.joined(separator: "\n") + "\n"
    }

    /// cgroup.conf with `options.cgroups`: cgroup v1 where this machine has it (as Debian 12's
    /// slurmd here needs), and each task's memory confined to what its job was given.
    var cgroupConfiguration: String {
        let plugin = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/freezer") ? "cgroup/v1" : "autodetect"
        return "CgroupPlugin=\(plugin)\nConstrainRAMSpace=yes\n"
    }

    /// This host's name up to its first dot.
    static var shortHostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        let name = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return String(name.split(separator: ".").first ?? "localhost")
    }

    /// A base port such that it, the next one and the nodes' ports (base + 11…) are free on
    /// 127.0.0.1, so that clusters of concurrent test runs do not collide.
    static func freePorts(count: Int) throws -> Int {
        for _ in 0..<50 {
            let base = Int.random(in: 20_000...59_000)
            let ports = [base, base + 1, base + 2, base + 3] + (1...count).map { base + 10 + $0 }
            if ports.allSatisfy(isFree) { return base }
        }
        throw Failure(description: "found no free ports for a Slurm cluster")
    }

    private static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
