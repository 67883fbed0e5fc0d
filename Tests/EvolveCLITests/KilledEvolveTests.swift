import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("a SIGKILLed evolve takes its gVisor sandboxes with it", .serialized)
struct KilledEvolveTests {
    @Test(
        "evolve is SIGKILLed while children are evaluated: within 3 s no runsc process of its sandboxes is left, within 5 s no mount",
        .enabled(if: TestEnvironment.runsGVisorTests, "needs runsc, as root"), arguments: [1, 3])
    func sandboxDiesWithEvolve(reuse: Int) async throws {
        let problem = try knapsackProblem()
        defer { problem.remove() }
        let script = "slow_evaluate_\(UUID().uuidString.prefix(8)).py"
        try problem.write([
            script: "import sys, time, runpy\nif 'variant' in open(sys.argv[1]).read():\n    time.sleep(120)\n"
                + "sys.argv = ['evaluate.py', sys.argv[1]]\nrunpy.run_path('evaluate.py', run_name='__main__')\n"
        ])
        let yaml = problem.url.appendingPathComponent("evolve.yaml")
        try (try String(contentsOf: yaml, encoding: .utf8))
            .replacingOccurrences(of: "python3 evaluate.py {program}", with: "python3 \(script) {program}")
            .replacingOccurrences(of: "sandbox:\n  timeout: 10", with: "sandbox:\n  timeout: 60\n  gvisor:\n    reuse: \(reuse)")
            .write(to: yaml, atomically: true, encoding: .utf8)
        try await LoopbackLLMServer.with(script: { .answer(KnapsackAnswers.variant($0.index)) }) { server in
            let runDirectory = problem.url.appendingPathComponent("runs/killed").path
            let running = try startEvolve([
                "run", problem.url.path, "--ollama-url", server.url, "--run-dir", runDirectory, "--sandbox", "gvisor",
                "--eval-concurrency", "2",
            ])
            let base = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-gvisor-\(running.process.processIdentifier)")
            let marker = base.path + "/"
            // The starting program is stored first; then two children evaluate (120 s each).
            let deadline = Date().addingTimeInterval(90)
            while Date() < deadline,
                (try? await SQLiteProgramStore(path: runDirectory + "/evolve.sqlite", readOnly: true).allPrograms().isEmpty) ?? true
            {
                try await Task.sleep(for: .milliseconds(50))
            }
            try await Task.sleep(for: .seconds(2))
            let sandboxes = (try? FileManager.default.contentsOfDirectory(atPath: base.appendingPathComponent("jobs").path)) ?? []
            #expect(!sandboxes.isEmpty, "a child is being evaluated in a gVisor sandbox when evolve is killed")
            #expect(ProcessTable.contains(marker), "runsc runs for evolve before the kill")

            kill(running.process.processIdentifier, SIGKILL)
            running.process.waitUntilExit()
            _ = running.result(seconds: 0)
            let killed = ContinuousClock.now
            func sandboxesRun() -> Bool { ProcessTable.contains(marker) || sandboxes.contains(where: Self.hasProcesses) }
            func leftOnDisk() -> Bool {
                ((try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? "").contains(marker)
                    || FileManager.default.fileExists(atPath: base.path)
            }
            var processesGone: Duration?
            var mountsGone: Duration?
            while processesGone == nil || mountsGone == nil, killed.duration(to: .now) < .seconds(10) {
                if processesGone == nil, !sandboxesRun() { processesGone = killed.duration(to: .now) }
                if mountsGone == nil, !leftOnDisk() { mountsGone = killed.duration(to: .now) }
                try await Task.sleep(for: .milliseconds(20))
            }
            let never = "not within 10 s"
            print(
                "reuse \(reuse): after evolve was SIGKILLed, its sandbox processes were gone in \(processesGone.map { "\($0)" } ?? never), "
                    + "its mounts and directory in \(mountsGone.map { "\($0)" } ?? never)")
            #expect(processesGone.map { $0 < .seconds(3) } == true, "runsc processes of a killed evolve outlived it")
            #expect(!ProcessTable.contains(marker), "a runsc process of the killed evolve is still running")
            for id in sandboxes { #expect(!Self.hasProcesses(id), "sandbox \(id) still has processes in its cgroup") }
            #expect(mountsGone.map { $0 < .seconds(5) } == true, "the killed evolve's sandbox mounts or directory outlived it")
            #expect(!leftOnDisk(), "a mount or the directory of the killed evolve's sandboxes is left")
        }
    }

    /// Whether a sandbox's pids cgroup still holds a process (its kernel, file proxy or candidate).
    static func hasProcesses(_ id: String) -> Bool {
        for file in ["/sys/fs/cgroup/pids/evolve/\(id)/cgroup.procs", "/sys/fs/cgroup/evolve/\(id)/cgroup.procs"] {
            if let text = try? String(contentsOfFile: file, encoding: .utf8), !text.isEmpty { return true }
        }
        return false
    }
}
