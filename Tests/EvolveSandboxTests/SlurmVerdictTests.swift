import EvolveCore
import Foundation
import Testing

@testable import EvolveSandbox

#if canImport(Glibc)
import Glibc
#endif

/// How each way a Slurm evaluation can end is read (no cluster needed): the candidate's own end,
/// Slurm's limits, and Slurm's losses, which are never the candidate's failure.
@Suite struct SlurmVerdictTests {
    static func record(_ nonce: String = "n", exit: Int32? = nil, signal: Int32? = nil, timedOut: Bool = false) -> SlurmJobDirectory.Record {
        SlurmJobDirectory.Record(
            nonce: nonce, node: "n1", jobID: "5", stepID: "0", timedOut: timedOut, outputExceeded: false, exit: exit, signal: signal, duration: 1, result: nil)
    }

    static func evidence(
        outcome: SlurmJobDirectory.Record? = nil, started: Bool = true, status: Int32? = 0, wallClock: Bool = false, said: String = "",
        state: String? = nil
    ) -> SlurmVerdict.Evidence {
        SlurmVerdict.Evidence(
            outcome: outcome, started: started ? record() : nil, srunStatus: status, stoppedByWallClock: wallClock, srunErrors: said,
            jobState: state, queueTimeout: 300)
    }

    @Test("the launcher's outcome is the candidate's end") func outcome() {
        #expect(SlurmVerdict(Self.evidence(outcome: Self.record(exit: 3))) == .finished(.exited(3), note: nil))
        #expect(SlurmVerdict(Self.evidence(outcome: Self.record(signal: SIGSEGV))) == .finished(.signaled(SIGSEGV), note: nil))
        #expect(SlurmVerdict(Self.evidence(outcome: Self.record(exit: 137, timedOut: true))) == .finished(.timedOut, note: nil))
    }

    @Test("out of memory is a kill with a reason, whether or not the launcher survived it") func outOfMemory() {
        let said = "slurmstepd: error: Detected 1 oom-kill event(s) in StepId=5.0. Some of your processes may have been killed"
        #expect(SlurmVerdict(Self.evidence(outcome: Self.record(signal: SIGKILL), said: said)) == .finished(.signaled(SIGKILL), note: SlurmVerdict.outOfMemoryNote))
        #expect(SlurmVerdict(Self.evidence(status: 137, state: "OUT_OF_MEMORY")) == .finished(.signaled(SIGKILL), note: SlurmVerdict.outOfMemoryNote))
    }

    @Test("Slurm's time limit and Evolve's wall clock are a timeout") func timeouts() {
        let said = "slurmstepd: error: *** STEP 5.0 ON n1 CANCELLED AT 2026-01-01T00:00:00 DUE TO TIME LIMIT ***"
        if case .finished(.timedOut, _) = SlurmVerdict(Self.evidence(status: 1, said: said)) {} else { Issue.record("not a timeout") }
        if case .finished(.timedOut, _) = SlurmVerdict(Self.evidence(status: 0, state: "TIMEOUT")) {} else { Issue.record("not a timeout") }
        #expect(SlurmVerdict(Self.evidence(status: nil, wallClock: true)) == .finished(.timedOut, note: nil))
    }

    @Test("Evolve's wall clock on a node that stopped answering is a loss, not a timeout") func silentNode() {
        var evidence = Self.evidence(status: nil, wallClock: true)
        evidence.nodeDown = true
        #expect(SlurmVerdict(evidence) == .lost("its node stopped responding", node: "n1"))
    }

    @Test("a job that never reached a node within the queue timeout is a sandbox error") func neverStarted() {
        guard case .failed(let message) = SlurmVerdict(Self.evidence(started: false, status: nil, wallClock: true)) else {
            Issue.record("not a failure")
            return
        }
        #expect(message.contains("queue_timeout"))
    }

    @Test(
        "node failure, preemption and a cancellation from outside are losses, placed again",
        arguments: [
            ("", "NODE_FAIL"), ("srun: error: Node failure on n1", nil), ("", "PREEMPTED"),
            ("*** JOB 5 ON n1 CANCELLED AT 2026-01-01T00:00:00 DUE TO PREEMPTION ***", nil), ("", "CANCELLED"),
            ("srun: Force Terminated JobId=5", nil),
        ] as [(String, String?)])
    func losses(said: String, state: String?) {
        guard case .lost(_, let node) = SlurmVerdict(Self.evidence(status: 1, said: said, state: state)) else {
            Issue.record("not a loss: \(said) \(state ?? "")")
            return
        }
        #expect(node == "n1")
    }

    @Test("a stale or foreign outcome is never read: no nonce, no outcome") func nonce() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-slurm-nonce-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let job = SandboxJob(
            command: .shell("true"), program: "x", programFileName: "program.py", problemDirectory: directory, limits: .forTests())
        let folder = try SlurmJobDirectory(in: directory, name: "evolve-abc-1", job: job)
        let stale = #"{"nonce": "0000", "exit": 0, "result": "{\"score\": 1e9}"}"#
        try Data(stale.utf8).write(to: folder.file("outcome.json"))
        #expect(folder.record("outcome.json") == nil)
        try Data(#"{"nonce": "\#(folder.nonce)", "exit": 0}"#.utf8).write(to: folder.file("outcome.json"))
        #expect(folder.record("outcome.json")?.exit == 0)
    }

    @Test("a kept outcome's key: the same candidate, command and problem match; another candidate or command never does")
    func keys() throws {
        let job = SandboxJob(
            command: .shell("python3 evaluate.py {program}"), program: "x = 1\n", programFileName: "program.py",
            problemDirectory: URL(fileURLWithPath: "/problems/p"), limits: .forTests(timeout: 10))
        let key = SlurmJobDirectory.key(for: job)
        var changed = [job, job, job, job]
        changed[0].program = "x = 2\n"
        changed[1].command = .shell("python3 evaluate2.py {program}")
        changed[2].programFileName = "program.js"
        changed[3].problemDirectory = URL(fileURLWithPath: "/problems/q")
        for other in changed { #expect(SlurmJobDirectory.key(for: other) != key) }
        var limits = job
        limits.limits = .forTests(timeout: 20)
        #expect(SlurmJobDirectory.key(for: limits) == key)

        // job.json carries it, so that the next process of the run finds it in the folder.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-slurm-key-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = try SlurmJobDirectory(in: directory, name: "evolve-abc-2", job: job)
        try folder.write(
            SlurmJobDirectory.Spec(
                nonce: folder.nonce, argv: ["true"], env: [:], cwd: "/", rlimits: [:], timeout: 1, evalDir: folder.evalDirectory.path,
                resultLimit: 1))
        let found = try #require(SlurmJobDirectory(existing: folder.url))
        #expect(found.key == key && found.nonce == folder.nonce && found.name == "evolve-abc-2")
    }

    @Test("scontrol show config: accounting, process tracking and the job completion log")
    func settings() {
        let text = """
            AccountingStorageType   = accounting_storage/none
            JobCompLoc              = /nonexistent/jobcomp.txt
            JobCompType             = jobcomp/filetxt
            ProctrackType           = proctrack/cgroup
            """
        let settings = SlurmClient.ClusterSettings(parsing: text)
        #expect(!settings.hasAccounting && settings.tracksWithCgroups)
        #expect(!settings.readsCompletionLog, "a log this machine cannot read is not used")
        #expect(SlurmClient.ClusterSettings(parsing: "AccountingStorageType = accounting_storage/slurmdbd").hasAccounting)
        #expect(!SlurmClient.ClusterSettings(parsing: "ProctrackType = proctrack/linuxproc").tracksWithCgroups)
    }

    @Test("an ending with nothing to go on is a sandbox error naming what srun said") func unexplained() {
        guard case .failed(let message) = SlurmVerdict(Self.evidence(status: 70, said: "evolve-slurm-launch: cannot read the job")) else {
            Issue.record("not a failure")
            return
        }
        #expect(message.contains("cannot read the job") && message.contains("70"))
    }
}
