import EvolveCore
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A problem directory with evaluator files, plus a private root for the sandbox's temporary
/// directories, so that a test can check that nothing is left behind.
struct SandboxFixture {
    let problem: TemporaryDirectory
    let scratch: TemporaryDirectory

    init(files: [String: String] = [:], scratchName: String? = nil) throws {
        problem = try TemporaryDirectory(prefix: "evolve-sandbox-problem")
        let scratch = try TemporaryDirectory(prefix: "evolve-sandbox-scratch")
        self.scratch = scratch
        try problem.write(files)
        if let scratchName {
            try FileManager.default.createDirectory(at: scratch.url.appendingPathComponent(scratchName), withIntermediateDirectories: true)
        }
        temporaryRoot = scratchName.map { scratch.url.appendingPathComponent($0) } ?? scratch.url
    }

    /// Where the sandbox makes its evaluation directories.
    let temporaryRoot: URL

    var sandbox: ProcessSandbox { ProcessSandbox(configuration: .init(temporaryRoot: temporaryRoot), logger: testLogger) }

    func job(
        _ command: CommandLineSpec, program: String = "print('candidate')\n", fileName: String = "program.py",
        limits: SandboxLimits = .forTests()
    ) -> SandboxJob {
        SandboxJob(command: command, program: program, programFileName: fileName, problemDirectory: problem.url, limits: limits)
    }

    func run(
        _ command: CommandLineSpec, program: String = "print('candidate')\n", fileName: String = "program.py",
        limits: SandboxLimits = .forTests()
    ) async throws -> SandboxOutcome {
        try await sandbox.run(job(command, program: program, fileName: fileName, limits: limits))
    }

    /// What the sandbox left in its temporary root (should be nothing once `run` returned).
    var leftovers: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: temporaryRoot.path)) ?? ["<temporary root is gone>"]
    }

    func file(_ name: String) -> String? {
        try? String(contentsOf: problem.url.appendingPathComponent(name), encoding: .utf8)
    }

    func remove() {
        problem.remove()
        scratch.remove()
    }
}

/// A loaded problem directory (evolve.yaml + evaluator files) and an `Evaluator` over the process sandbox.
struct ProblemFixture {
    let directory: TemporaryDirectory
    let scratch: TemporaryDirectory
    let problem: Problem

    init(yaml: String, files: [String: String], program: String = "VALUE = 1\n") throws {
        directory = try TemporaryDirectory(prefix: "evolve-evaluator-problem")
        scratch = try TemporaryDirectory(prefix: "evolve-evaluator-scratch")
        var all = files
        all["evolve.yaml"] = yaml
        all["initial_program.py"] = program
        try directory.write(all)
        problem = try Problem.load(from: directory.url)
    }

    /// A problem whose single evaluator is `evaluate.py`.
    init(evaluator: String, goal: String = "maximize", sandbox: String = "timeout: 20") throws {
        try self.init(
            yaml: """
                program: initial_program.py
                goal:
                  direction: \(goal)
                evaluator:
                  command: "python3 evaluate.py {program}"
                sandbox:
                \(sandbox.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
                """,
            files: ["evaluate.py": evaluator])
    }

    var evaluator: Evaluator { Evaluator(sandbox: ProcessSandbox(configuration: .init(temporaryRoot: scratch.url), logger: testLogger), problem: problem) }

    var leftovers: [String] { (try? FileManager.default.contentsOfDirectory(atPath: scratch.url.path)) ?? ["<gone>"] }

    func exists(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: directory.url.appendingPathComponent(name).path)
    }

    func remove() {
        directory.remove()
        scratch.remove()
    }
}

extension SandboxLimits {
    /// Roomy limits; tests tighten the one they are about.
    static func forTests(
        timeout: Double = 20, memoryMB: Int = 1024, cpuSeconds: Int = 60, maxFileMB: Int = 16, outputKB: Int = 64
    ) -> SandboxLimits {
        SandboxLimits(
            timeout: timeout, memoryBytes: memoryMB << 20, cpuSeconds: cpuSeconds, maxProcesses: 256,
            maxFileBytes: maxFileMB << 20, outputBytes: outputKB << 10)
    }
}

/// Looks at processes the tests' evaluators started.
enum Processes {
    /// True while `pid` is a running process. A zombie (exited, waiting to be reaped by whoever
    /// adopted it) counts as dead.
    static func isAlive(_ pid: pid_t) -> Bool {
        guard pid > 1 else { return false }
        if kill(pid, 0) != 0 { return errno != ESRCH }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state != "Z" && state != "X"
    }

    /// Waits (generously) for the processes to be gone; returns those still alive.
    static func survivors(of pids: [pid_t], within seconds: Double = 3) async -> [pid_t] {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            let alive = pids.filter(isAlive)
            if alive.isEmpty || ContinuousClock.now >= deadline { return alive }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Test clean-up only: kills processes a failed test may have left behind.
    static func killLeftovers(_ pids: [pid_t]) {
        for pid in pids where isAlive(pid) { kill(pid, SIGKILL) }
    }

    /// Whitespace-separated pids from a file an evaluator wrote, waiting for `count` of them.
    static func pids(inFile url: URL, count: Int, within seconds: Double = 10) async -> [pid_t] {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOf: url, encoding: .utf8) {
                let pids = text.split(whereSeparator: \.isWhitespace).compactMap { pid_t($0) }
                if pids.count >= count { return pids }
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return []
    }
}

/// Seconds elapsed since `start`.
func seconds(since start: ContinuousClock.Instant) -> Double {
    let duration = start.duration(to: .now)
    return Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

/// Decodes the JSON object on the last non-empty line of `text`.
func lastJSONLine(_ text: String) -> [String: Any]? {
    guard let line = text.split(whereSeparator: \.isNewline).last,
        let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    else { return nil }
    return object
}
