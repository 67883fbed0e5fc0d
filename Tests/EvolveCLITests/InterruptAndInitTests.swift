import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

@Suite("evolve run interrupted, evolve init", .serialized)
struct InterruptAndInitTests {
    @Test("Ctrl-C stops the run gracefully: exit 130, evaluations killed, the run saved and resumable")
    func interrupt() async throws {
        let problem = try knapsackProblem()
        defer { problem.remove() }
        let script = "slow_evaluate_\(UUID().uuidString.prefix(8)).py"
        try problem.write([script: "import sys, time, runpy\nif 'variant' in open(sys.argv[1]).read():\n    time.sleep(120)\nsys.argv = ['evaluate.py', sys.argv[1]]\nrunpy.run_path('evaluate.py', run_name='__main__')\n"])
        let yaml = problem.url.appendingPathComponent("evolve.yaml")
        try (try String(contentsOf: yaml, encoding: .utf8)).replacingOccurrences(of: "python3 evaluate.py {program}", with: "python3 \(script) {program}")
            .write(to: yaml, atomically: true, encoding: .utf8)
        try await LoopbackLLMServer.with(script: { .answer(KnapsackAnswers.variant($0.index)) }) { server in
            let runDirectory = problem.url.appendingPathComponent("runs/interrupted").path
            let running = try startEvolve(["run", problem.url.path, "--ollama-url", server.url, "--run-dir", runDirectory])
            let deadline = Date().addingTimeInterval(60)
            // Under gVisor the evaluator is not a host process: wait for the sandbox of a child instead.
            let sandboxMarker = "evolve-gvisor-\(running.process.processIdentifier)/"
            func evaluating() -> Bool { ProcessTable.contains(script) || ProcessTable.contains(sandboxMarker + "jobs") }
            // First the starting program is evaluated (quickly); wait for it to be stored, then for a child.
            while Date() < deadline,
                (try? await SQLiteProgramStore(path: runDirectory + "/evolve.sqlite", readOnly: true).allPrograms().isEmpty) ?? true
            {
                try await Task.sleep(for: .milliseconds(50))
            }
            while !evaluating(), Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
            try await Task.sleep(for: .milliseconds(300))
            #expect(evaluating(), "a child is being evaluated when Ctrl-C arrives")
            let interrupted = Date()
            kill(running.process.processIdentifier, SIGINT)
            running.process.waitUntilExit()
            let result = running.result(seconds: Date().timeIntervalSince(interrupted))
            #expect(result.status == 130, "stderr: \(result.stderr)")
            #expect(result.seconds < 5)
            #expect(result.stderr.contains("stopping"))
            #expect(result.stdout.contains("interrupted"))
            #expect(!ProcessTable.contains(script), "no evaluation outlives evolve")
            #expect(!ProcessTable.contains(sandboxMarker), "no sandbox outlives evolve")
            #expect(!FileManager.default.fileExists(atPath: FileManager.default.temporaryDirectory.appendingPathComponent(String(sandboxMarker.dropLast())).path))
            let programs = try await SQLiteProgramStore(path: runDirectory + "/evolve.sqlite", readOnly: true).allPrograms()
            #expect(programs.contains { $0.origin == .initial && $0.score == 249 })
            let events = try String(contentsOfFile: runDirectory + "/events.jsonl", encoding: .utf8)
            #expect(events.contains("\"type\":\"run_finished\""))
            #expect(events.contains("\"reason\":\"interrupted\""))
        }
    }

    @Test("evolve init scaffolds a problem that loads, scores, and is not overwritten by accident")
    func initScaffold() throws {
        let directory = try TemporaryDirectory(prefix: "evolve-init")
        defer { directory.remove() }
        let target = directory.url.appendingPathComponent("pi")
        let created = try runEvolve(["init", target.path], timeout: 30)
        #expect(created.status == 0, "stderr: \(created.stderr)")
        let problem = try Problem.load(from: target)
        #expect(problem.configuration.goal.target == 12)
        #expect(problem.configuration.sandbox.backend == .gvisor, "the scaffold isolates candidates unless told otherwise")
        #expect(problem.initialProgram.contains(EvolveBlock.startMarker))

        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "evaluate.py", "initial_program.py"]
        python.currentDirectoryURL = target
        let pipe = Pipe()
        python.standardOutput = pipe
        try python.run()
        python.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(output.contains("\"score\""), "the scaffold's evaluator scores its starting program: \(output)")

        let again = try runEvolve(["init", target.path], timeout: 30)
        #expect(again.status == 2)
        #expect(again.stderr.contains("--force"))
        #expect(try runEvolve(["init", target.path, "--force"], timeout: 30).status == 0)
    }

    @Test("every command explains itself in --help")
    func help() throws {
        for command in [["--help"], ["run", "--help"], ["best", "--help"], ["init", "--help"]] {
            let result = try runEvolve(command, timeout: 30)
            #expect(result.status == 0)
            #expect(result.stdout.contains("USAGE"))
        }
        let top = try runEvolve(["--help"], timeout: 30).stdout
        #expect(top.contains("Exit codes"))
        let run = try runEvolve(["run", "--help"], timeout: 30).stdout
        for option in ["--iterations", "--target", "--model", "--ollama-url", "--sandbox", "--resume"] {
            #expect(run.contains(option))
        }
    }
}
