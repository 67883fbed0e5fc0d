import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

@Suite("evolve run on a terminal: the live dashboard, under tmux", .serialized)
struct DashboardTmuxTests {
    /// Children that change a comment (scored like the start), raise (an invalid result), or change nothing (retried).
    static func answer(_ index: Int) -> String {
        switch index % 4 {
        case 2:
            return """
                <<<<<<< SEARCH
                    order = sorted(range(len(items)), key=lambda i: items[i][1] / items[i][0], reverse=True)
                =======
                    raise RuntimeError("scripted crash \(index)")
                >>>>>>> REPLACE
                """
        case 3: return "I have no further ideas."
        default: return KnapsackAnswers.variant(index)
        }
    }

    @Test(
        "the dashboard shows the best score and the last children; Ctrl-C saves the run and gives back a clean terminal with the summary",
        .enabled(if: Tmux.isInstalled || TestEnvironment.isCI, "needs tmux"))
    func dashboardUnderTmux() async throws {
        let problem = try slowKnapsack()
        defer { problem.remove() }
        try await LoopbackLLMServer.with(script: { .answer(Self.answer($0.index)) }) { server in
            let runDirectory = problem.url.appendingPathComponent("runs/dashboard").path
            let tmux = Tmux()
            defer { tmux.killServer() }
            try startEvolve(in: tmux, problem: problem, server: server, runDirectory: runDirectory)

            // The dashboard: the best score, and children with their outcomes, on the alternate screen.
            let frame = try await waitFor(tmux, timeout: 90) { screen in
                screen.contains("best 249.0") && screen.contains("success") && screen.contains("invalid_result")
            }
            #expect(frame.contains("last children"))
            #expect(frame.contains("in flight:"))
            #expect(frame.contains("island 0"))
            #expect(frame.contains("failures by reason: invalid_result"))
            #expect(frame.contains("RuntimeError"), "a failed child shows its failure reason")
            #expect(frame.split(separator: "\n", omittingEmptySubsequences: false).allSatisfy { $0.count <= 120 })
            #expect(try tmux.format("#{alternate_on}") == "1")
            if let path = ProcessInfo.processInfo.environment["EVOLVE_DASHBOARD_CAPTURE"] {
                try tmux.capture(ansi: true).write(toFile: path, atomically: true, encoding: .utf8)
            }

            try tmux.sendKeys("C-c")
            let after = try await waitFor(tmux, timeout: 30) { $0.contains("evolve exited") }
            #expect(after.contains("evolve exited 130"), "\(after)")
            #expect(after.contains("stopping: finishing in-flight work"))
            #expect(after.contains("interrupted (continue with --resume)"))
            #expect(after.contains("run saved in \(runDirectory)"))
            #expect(!after.contains("last children") && !after.contains("in flight:"), "no dashboard frame is left on the normal screen: \(after)")
            #expect(try tmux.format("#{alternate_on}") == "0")
            #expect(try tmux.format("#{cursor_flag}") == "1", "the cursor is shown again")
            #expect(!(try tmux.capture(ansi: true)).contains("\u{1B}["), "no colour or attribute is left set")

            let programs = try await SQLiteProgramStore(path: runDirectory + "/evolve.sqlite", readOnly: true).allPrograms()
            #expect(programs.contains { $0.origin == .initial && $0.score == 249 })
            #expect(programs.contains { $0.origin == .mutation && $0.result.status == .invalidResult })
            let events = try String(contentsOfFile: runDirectory + "/events.jsonl", encoding: .utf8).split(separator: "\n")
            #expect(events.last?.contains("\"type\":\"run_finished\"") == true)
            #expect(events.last?.contains("\"reason\":\"interrupted\"") == true)
        }
    }

    @Test(
        "a second Ctrl-C right after the first quits at once, and the terminal is clean on that path too",
        .enabled(if: Tmux.isInstalled || TestEnvironment.isCI, "needs tmux"))
    func secondCtrlC() async throws {
        let problem = try slowKnapsack()
        defer { problem.remove() }
        try await LoopbackLLMServer.with(script: { .answer(Self.answer($0.index)) }) { server in
            let tmux = Tmux()
            defer { tmux.killServer() }
            try startEvolve(in: tmux, problem: problem, server: server, runDirectory: problem.url.appendingPathComponent("runs/twice").path)
            _ = try await waitFor(tmux, timeout: 90) { $0.contains("last children") && $0.contains("success") }
            try tmux.sendKeys("C-c")
            try await Task.sleep(for: .milliseconds(20))
            try tmux.sendKeys("C-c")
            // Whichever Ctrl-C ends it (the graceful stop may finish first), it exits with 130 on a clean screen.
            let after = try await waitFor(tmux, timeout: 30) { $0.contains("evolve exited") }
            #expect(after.contains("evolve exited 130"), "\(after)")
            print(after.contains("stopping now") ? "note: the second Ctrl-C quit at once" : "note: the graceful stop finished before the second Ctrl-C")
            #expect(!after.contains("last children"), "no dashboard frame is left: \(after)")
            #expect(try tmux.format("#{alternate_on}") == "0")
            #expect(try tmux.format("#{cursor_flag}") == "1")
            #expect(!(try tmux.capture(ansi: true)).contains("\u{1B}["))
        }
    }

    /// A knapsack copy whose evaluations take a little while.
    private func slowKnapsack() throws -> TemporaryDirectory {
        let problem = try knapsackProblem()
        // Each evaluation takes a little while, so the run lasts until Ctrl-C.
        try problem.write(["slow_evaluate.py": "import sys, time, runpy\ntime.sleep(0.3)\nsys.argv = ['evaluate.py', sys.argv[1]]\nrunpy.run_path('evaluate.py', run_name='__main__')\n"])
        let yaml = problem.url.appendingPathComponent("evolve.yaml")
        try (try String(contentsOf: yaml, encoding: .utf8)).replacingOccurrences(of: "python3 evaluate.py {program}", with: "python3 slow_evaluate.py {program}")
            .write(to: yaml, atomically: true, encoding: .utf8)
        return problem
    }

    /// Starts `evolve run` in the tmux session (120 × 40); the pane then prints its exit status and stays.
    private func startEvolve(in tmux: Tmux, problem: TemporaryDirectory, server: LoopbackLLMServer, runDirectory: String) throws {
        let arguments = ["run", problem.url.path, "--ollama-url", server.url, "--run-dir", runDirectory, "--iterations", "1000"]
        let command = ([PackagePaths.evolveBinary.path] + arguments + sandboxFallback(for: arguments)).map(shellQuoted).joined(separator: " ")
        try tmux.start("unset OLLAMA_HOST; \(command); echo \"evolve exited $?\"; sleep 600", width: 120, height: 40)
    }

    /// The pane's text once `condition` holds, or the last one seen after `timeout` seconds (recorded as an issue).
    private func waitFor(_ tmux: Tmux, timeout: Double, _ condition: (String) -> Bool) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = ""
        while Date() < deadline {
            screen = try tmux.capture()
            if condition(screen) { return screen }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the pane never showed what was expected; it shows:\n\(screen)")
        return screen
    }
}
