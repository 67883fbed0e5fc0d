import EvolveCore
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The wall clock, the output cap and the rlimits of the process backend, with real evaluators.
@Suite struct SandboxLimitTests {
    /// Evaluators that hang and start a grandchild, writing "<own pid> <grandchild pid>" to pids.txt.
    struct Hanger: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var files: [String: String]
        var command: CommandLineSpec
    }

    static let hangers: [Hanger] = [
        Hanger(
            testDescription: "python with a subprocess.Popen grandchild",
            files: [
                "hang.py": """
                import os, subprocess, time
                child = subprocess.Popen(["sleep", "300"])
                with open("pids.txt", "w") as f:
                    f.write(f"{os.getpid()} {child.pid}\\n")
                time.sleep(300)
                """
            ],
            command: .arguments(["python3", "hang.py", "{program}"])),
        Hanger(
            testDescription: "shell with a background sleep",
            files: [:],
            command: .shell("sleep 300 & echo $$ $! > pids.txt; sleep 300 # {program}")),
        Hanger(
            testDescription: "python that ignores SIGTERM, with a grandchild that ignores it too",
            files: [
                "stubborn.py": """
                import os, signal, subprocess, time
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                child = subprocess.Popen(["python3", "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)"])
                with open("pids.txt", "w") as f:
                    f.write(f"{os.getpid()} {child.pid}\\n")
                while True:
                    time.sleep(1)
                """
            ],
            command: .shell("python3 stubborn.py {program}")),
    ]

    @Test(arguments: hangers)
    func wallClockKillsTheEvaluatorAndItsGrandchildren(_ hanger: Hanger) async throws {
        let fixture = try SandboxFixture(files: hanger.files)
        defer { fixture.remove() }
        let started = ContinuousClock.now

        let outcome = try await fixture.run(hanger.command, limits: .forTests(timeout: 1.5))

        let elapsed = seconds(since: started)
        let pids = await Processes.pids(inFile: fixture.problem.url.appendingPathComponent("pids.txt"), count: 2, within: 1)
        defer { Processes.killLeftovers(pids) }
        #expect(outcome.termination == .timedOut)
        #expect(elapsed >= 1.4 && elapsed < 1.5 + 3, "took \(elapsed) s")
        #expect(outcome.duration >= 1.4 && outcome.duration < 1.5 + 3)
        #expect(pids.count == 2, "the evaluator did not record its pids: \(fixture.file("pids.txt") ?? "no file")")
        let survivors = await Processes.survivors(of: pids)
        #expect(survivors.isEmpty, "still running after the timeout: \(survivors)")
        #expect(fixture.leftovers.isEmpty, "left behind: \(fixture.leftovers)")
    }

    @Test func backgroundGrandchildOfAnEvaluatorThatExitedNormallyIsKilled() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        let started = ContinuousClock.now
        // The evaluator reports and exits at once, but leaves a sleeper behind.
        let outcome = try await fixture.run(
            .shell("sleep 300 & echo $! > pids.txt; echo '{\"score\": 1}' # {program}"), limits: .forTests(timeout: 30))
        let pids = await Processes.pids(inFile: fixture.problem.url.appendingPathComponent("pids.txt"), count: 1, within: 1)
        defer { Processes.killLeftovers(pids) }
        #expect(outcome.termination == .exited(0))
        #expect(seconds(since: started) < 10, "run waited for the background process")
        #expect(pids.count == 1)
        let survivors = await Processes.survivors(of: pids)
        #expect(survivors.isEmpty, "a stray background process outlived its evaluation: \(survivors)")
    }

    @Test func floodOfOutputIsStoppedByTheFileSizeLimitAndOnlyTheTailIsKept() async throws {
        let flood = """
            import sys
            line = "x" * 9999 + "\\n"
            for _ in range(5000):   # 50 MB
                sys.stdout.write(line)
            print('{"score": 1}')
            """
        let fixture = try SandboxFixture(files: ["flood.py": flood])
        defer { fixture.remove() }
        let limits = SandboxLimits.forTests(maxFileMB: 4, outputKB: 32)

        let outcome = try await fixture.run(.shell("python3 flood.py {program}"), limits: limits)

        // Python ignores SIGXFSZ, so its write fails with EFBIG and it exits with a traceback.
        #expect(outcome.termination != .exited(0))
        #expect(outcome.termination != .timedOut)
        #expect(outcome.stderr.contains("File too large"), "stderr: \(outcome.stderr.suffix(300))")
        #expect(outcome.stdout.utf8.count <= limits.outputBytes)
        #expect(outcome.stdout.utf8.count > limits.outputBytes / 2)
        #expect(!outcome.stdout.contains("score"))
        #expect(outcome.outputTruncated)
        #expect(fixture.leftovers.isEmpty, "left behind: \(fixture.leftovers)")
    }

    @Test func programWithoutSIGXFSZHandlingIsKilledBySIGXFSZ() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        let limits = SandboxLimits.forTests(maxFileMB: 1, outputKB: 8)
        let outcome = try await fixture.run(.arguments(["head", "-c", "50000000", "/dev/zero"]), limits: limits)
        #expect(outcome.termination == .signaled(SIGXFSZ))
        #expect(outcome.stdout.utf8.count <= limits.outputBytes)
        #expect(outcome.outputTruncated)
    }

    @Test func longStandardErrorIsCappedToItsTail() async throws {
        let fixture = try SandboxFixture(files: [
            "noisy.py": "import sys\nfor i in range(20000):\n    print('warning', i, file=sys.stderr)\nprint('last warning', file=sys.stderr)\n"
        ])
        defer { fixture.remove() }
        let limits = SandboxLimits.forTests(outputKB: 4)
        let outcome = try await fixture.run(.shell("python3 noisy.py {program}"), limits: limits)
        #expect(outcome.termination == .exited(0))
        #expect(outcome.stderr.utf8.count <= limits.outputBytes)
        #expect(outcome.stderr.hasSuffix("last warning\n"))
        #expect(!outcome.stderr.contains("warning 0\n"))
        #expect(outcome.outputTruncated)
    }

    @Test func tailOfMultibyteOutputStaysWithinTheCap() async throws {
        // 200,001 bytes of 2-byte characters and a newline; keeping 1,000 cuts a character in half.
        let fixture = try SandboxFixture(files: ["accents.py": "print('é' * 100000)\n"])
        defer { fixture.remove() }
        let limits = SandboxLimits(
            timeout: 20, memoryBytes: 1 << 30, cpuSeconds: 60, maxProcesses: 256, maxFileBytes: 16 << 20, outputBytes: 1000)
        let outcome = try await fixture.run(.shell("python3 accents.py {program}"), limits: limits)
        #expect(outcome.termination == .exited(0))
        do {
            #expect(outcome.stdout.utf8.count <= limits.outputBytes, "kept \(outcome.stdout.utf8.count) bytes")
        }
        #expect(outcome.stdout.hasSuffix("éé\n"))
    }

    @Test func memoryLimitMakesALargeAllocationFail() async throws {
        let fixture = try SandboxFixture(files: ["hog.py": "block = bytearray(2 * 1024 ** 3)\nprint('allocated')\n"])
        defer { fixture.remove() }
        let outcome = try await fixture.run(.shell("python3 hog.py {program}"), limits: .forTests(memoryMB: 256))
        #expect(outcome.termination == .exited(1))
        #expect(outcome.stderr.contains("MemoryError"))
        #expect(!outcome.stdout.contains("allocated"))
    }

    @Test func cpuLimitStopsABusyLoopLongBeforeTheWallClock() async throws {
        let fixture = try SandboxFixture(files: ["spin.py": "while True:\n    pass\n"])
        defer { fixture.remove() }
        let started = ContinuousClock.now
        let outcome = try await fixture.run(.arguments(["python3", "spin.py", "{program}"]), limits: .forTests(timeout: 60, cpuSeconds: 1))
        #expect(seconds(since: started) < 30)
        #expect(outcome.termination != .timedOut)
        do {
            #expect(outcome.termination == .signaled(SIGXCPU))
        }
        #expect(outcome.termination == .signaled(SIGXCPU) || outcome.termination == .signaled(SIGKILL))
    }
}
