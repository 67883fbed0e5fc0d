import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

/// A warm evaluator that dies under a run (`evolve run --warm`): the candidate is evaluated again,
/// and the fault is stored with the run, beside the model faults.
@Suite("evolve run --warm: a warm evaluator killed mid-run", .serialized)
struct WarmFaultTests {
    @Test("the warm evaluator is SIGKILLed during a child's evaluation: the run finishes, every child is scored, the fault is stored",
        .enabled(if: TestEnvironment.runsGVisorTests, "needs runsc, as root"))
    func killedWarmEvaluator() async throws {
        let problem = try slowChildrenKnapsack(sleep: 2)
        defer { problem.remove() }
        try await LoopbackLLMServer.with(script: { .answer(KnapsackAnswers.variant($0.index)) }) { server in
            let runDirectory = problem.url.appendingPathComponent("runs/warm").path
            let running = try startEvolve([
                "run", problem.url.path, "--ollama-url", server.url, "--run-dir", runDirectory, "--sandbox", "gvisor", "--warm",
                "--iterations", "3", "--eval-concurrency", "1", "--model-concurrency", "1", "--no-dashboard",
            ])
            let state = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-gvisor-\(running.process.processIdentifier)/state")
            // Once a child is being evaluated (the start's evaluation is quick, a child's takes 2 s),
            // kill the warm evaluator's sandbox.
            let deadline = Date().addingTimeInterval(90)
            var containers: [String] = []
            while Date() < deadline, containers.isEmpty {
                let programs = (try? await SQLiteProgramStore(path: runDirectory + "/evolve.sqlite", readOnly: true).allPrograms()) ?? []
                if !programs.isEmpty { containers = try await runsc(["--root", state.path, "list", "-quiet"]) }
                try await Task.sleep(for: .milliseconds(200))
            }
            try #require(!containers.isEmpty, "no warm sandbox appeared under \(state.path)")
            try await Task.sleep(for: .milliseconds(800))
            _ = try await runsc(["--root", state.path, "kill", containers[0], "KILL"])
            let result = wait(for: running, timeout: 180)
            #expect(result.status == 0, "\(result.stderr)")
            let store = try SQLiteProgramStore(path: runDirectory + "/evolve.sqlite", readOnly: true)
            let children = try await store.allPrograms().filter { $0.origin == .mutation }
            #expect(children.count == 3 && children.allSatisfy { $0.result.status == .success }, "\(children.map(\.result.status))")
            let faults = try await store.faultCounts()
            #expect(faults["sandbox:gvisor"]?["warm_evaluator"] ?? 0 >= 1, "faults stored: \(faults)")
        }
    }

    /// Runs runsc; the lines of its standard output (a few lines: a pipe does not fill).
    func runsc(_ arguments: [String]) async throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/runsc")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
