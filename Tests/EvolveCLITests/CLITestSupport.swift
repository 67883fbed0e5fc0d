import EvolveTesting
import Foundation

/// The outcome of running the built `evolve` binary.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var seconds: Double
}

/// Runs the `evolve` binary with `arguments`, killing it after `timeout` seconds.
func runEvolve(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 300) throws -> CommandResult {
    try wait(for: startEvolve(arguments, environment: environment), timeout: timeout)
}

/// Waits for a started process, killing it after `timeout` seconds.
func wait(for process: RunningEvolve, timeout: Double) -> CommandResult {
    let started = Date()
    while process.process.isRunning {
        if Date().timeIntervalSince(started) > timeout {
            process.process.terminate()
            break
        }
        Thread.sleep(forTimeInterval: 0.02)
    }
    process.process.waitUntilExit()
    return process.result(seconds: Date().timeIntervalSince(started))
}

/// A running `evolve` process whose output goes to temporary files (so that a full pipe never blocks it).
struct RunningEvolve {
    var process: Process
    var stdoutURL: URL
    var stderrURL: URL

    /// The finished process's outcome; removes its output files.
    func result(seconds: Double) -> CommandResult {
        defer {
            try? FileManager.default.removeItem(at: stdoutURL)
            try? FileManager.default.removeItem(at: stderrURL)
        }
        return CommandResult(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "",
            seconds: seconds)
    }
}

func startEvolve(_ arguments: [String], environment: [String: String] = [:]) throws -> RunningEvolve {
    let process = Process()
    process.executableURL = PackagePaths.evolveBinary
    process.arguments = arguments + sandboxFallback(for: arguments)
    var env = ProcessInfo.processInfo.environment
    env["OLLAMA_HOST"] = nil
    for (key, value) in environment { env[key] = value }
    process.environment = env
    return try start(process)
}

/// Starts a configured process with its standard output and error going to temporary files.
func start(_ process: Process) throws -> RunningEvolve {
    let directory = FileManager.default.temporaryDirectory
    let stdoutURL = directory.appendingPathComponent("evolve-out-\(UUID().uuidString)")
    let stderrURL = directory.appendingPathComponent("evolve-err-\(UUID().uuidString)")
    FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
    FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
    process.standardError = try FileHandle(forWritingTo: stderrURL)
    process.standardInput = FileHandle.nullDevice
    try process.run()
    return RunningEvolve(process: process, stdoutURL: stdoutURL, stderrURL: stderrURL)
}

/// A copy of examples/knapsack in a temporary directory, with evolve.yaml overrides appended.
func knapsackProblem(extraYAML: String = "") throws -> TemporaryDirectory {
    let directory = try TemporaryDirectory(prefix: "evolve-knapsack")
    try directory.copyContents(of: PackagePaths.knapsackExample)
    if !extraYAML.isEmpty {
        let file = directory.url.appendingPathComponent("evolve.yaml")
        var yaml = try String(contentsOf: file, encoding: .utf8)
        yaml += "\n" + extraYAML
        try yaml.write(to: file, atomically: true, encoding: .utf8)
    }
    return directory
}

/// `evolve run` uses gVisor by default. Outside CI, on a machine without runsc (or not as root),
/// the end-to-end tests fall back to the process sandbox and say so; CI always uses gVisor.
func sandboxFallback(for arguments: [String]) -> [String] {
    guard arguments.first == "run", !arguments.contains("--sandbox") else { return [] }
    if TestEnvironment.runsGVisorTests { return [] }
    print("note: runsc is not installed (or this is not root): running this end-to-end test on the process sandbox; CI runs it through gVisor")
    return ["--sandbox", "process"]
}
