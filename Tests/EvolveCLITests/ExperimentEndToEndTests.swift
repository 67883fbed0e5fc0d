import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

/// `evolve experiment experiments/smoke.yaml` against a scripted loopback model: 12 runs, the
/// report and its plots, the report's numbers against the run databases, a SIGKILLed
/// experiment that finishes when started again without repeating finished runs, and Ctrl-C.
@Suite("evolve experiment on experiments/smoke.yaml", .serialized)
struct ExperimentEndToEndTests {
    static let spec = PackagePaths.root.appendingPathComponent("experiments/smoke.yaml")
    static let problems = ["knapsack", "three_numbers"]
    static let variants = ["map_elites", "random", "greedy"]
    static let seeds: [UInt64] = [1, 2]

    /// The model's script: answers written for the two problems, chosen by which problem the prompt is about.
    static func script(delay: Double = 0) -> @Sendable (LoopbackLLMServer.Request) -> LoopbackLLMServer.Reply {
        { request in
            let prompt = request.messages.map(\.content).joined(separator: "\n")
            let answer: LoopbackLLMServer.Reply
            if prompt.contains("0/1 knapsack") {
                switch request.index % 5 {
                case 4: answer = .answer(KnapsackAnswers.dynamicProgramming)
                case 2: answer = .answer("<<<<<<< SEARCH\nnot in the program\n=======\nx\n>>>>>>> REPLACE")
                default: answer = .answer(KnapsackAnswers.variant(request.index))
                }
            } else {
                let (name, value) = [("a", "1.0"), ("b", "2.0"), ("c", "3.0"), ("a", "0.5")][request.index % 4]
                answer = .answer("Closer.\n<<<<<<< SEARCH\n    \(name) = 0.0\n=======\n    \(name) = \(value)\n>>>>>>> REPLACE")
            }
            return delay > 0 ? .delayed(seconds: delay, answer) : answer
        }
    }

    static func arguments(out: URL, server: LoopbackLLMServer) -> [String] {
        var arguments = ["experiment", spec.path, "--out", out.path, "--ollama-url", server.url]
        if !TestEnvironment.runsGVisorTests { arguments += ["--sandbox", "process"] }
        return arguments
    }

    static func runDirectory(_ out: URL, _ problem: String, _ variant: String, _ seed: UInt64) -> URL {
        out.appendingPathComponent("runs/\(problem)/\(variant)/seed-\(seed)")
    }

    @Test("the smoke experiment writes report.md, report.json and one SVG per problem, and the numbers match the databases")
    func smoke() async throws {
        let out = try TemporaryDirectory(prefix: "evolve-experiment")
        defer { out.remove() }
        try await LoopbackLLMServer.with(script: Self.script()) { server in
            let run = try runEvolve(Self.arguments(out: out.url, server: server), timeout: 240)
            #expect(run.status == 0, "stderr: \(run.stderr)")
            print("smoke experiment: \(String(format: "%.1f", run.seconds)) s, \(server.requests.count) model requests")
            #expect(run.stderr.contains("experiment: 12/12 done, 0 running, 0 left"), "\(run.stderr)")
            for name in ["report.md", "report.json", "knapsack.svg", "three_numbers.svg"] {
                #expect(FileManager.default.fileExists(atPath: out.url.appendingPathComponent(name).path), "\(name) is missing")
            }
            let svg = try String(contentsOf: out.url.appendingPathComponent("knapsack.svg"), encoding: .utf8)
            #expect(svg.components(separatedBy: "<polyline").count == 4, "a median line per strategy")
            let markdown = try String(contentsOf: out.url.appendingPathComponent("report.md"), encoding: .utf8)
            #expect(markdown.contains("## knapsack") && markdown.contains("## three_numbers"))
            #expect(markdown.contains("Mann-Whitney"))
            #expect(markdown.contains("slots busy: model, evaluation"), "the report prints occupancy")
            print(markdown)

            let report = try JSONSerialization.jsonObject(with: Data(contentsOf: out.url.appendingPathComponent("report.json"))) as? [String: Any]
            let problems = try #require(report?["problems"] as? [[String: Any]])
            #expect(problems.count == 2)
            for problem in problems {
                let name = try #require(problem["problem"] as? String)
                let variants = try #require(problem["variants"] as? [[String: Any]])
                #expect(variants.count == 3)
                for variant in variants {
                    let variantName = try #require(variant["variant"] as? String)
                    let expected = try await Self.recompute(out.url, name, variantName)
                    let best = try #require((variant["best_at_calls"] as? [String: Any])?["6"] as? [String: Any])
                    let median = try #require(best["median"] as? Double)
                    #expect(abs(median - expected.median) < 1e-9, "\(name)/\(variantName): report \(median), databases \(expected.median)")
                    let share = try #require(variant["success_share"] as? Double)
                    #expect(abs(share - expected.share) < 1e-9, "\(name)/\(variantName): report \(share), databases \(expected.share)")
                    #expect(variant["model_calls"] as? Int == expected.calls)
                    // Slot occupancy from the children's stored stage times: the evaluation slots did some work.
                    let busy = try #require(variant["evaluation_busy"] as? [String: Any], "\(name)/\(variantName): no occupancy")
                    #expect((busy["median"] as? Double ?? 0) > 0, "\(name)/\(variantName): \(busy)")
                }
            }
            let databases = Self.problems.flatMap { problem in
                Self.variants.flatMap { variant in Self.seeds.map { Self.runDirectory(out.url, problem, variant, $0).appendingPathComponent("evolve.sqlite") } }
            }
            let before = try databases.map { try Data(contentsOf: $0) }
            let again = try runEvolve(["report", out.url.path])
            #expect(again.status == 0, "stderr: \(again.stderr)")
            #expect(again.stdout.contains("## knapsack"))
            #expect(try databases.map { try Data(contentsOf: $0) } == before, "a report reads the runs and changes none of them")
            let compare = try runEvolve(
                ["compare"] + Self.seeds.map { Self.runDirectory(out.url, "knapsack", "greedy", $0).path }
                    + Self.seeds.map { Self.runDirectory(out.url, "knapsack", "random", $0).path })
            #expect(compare.status == 0, "stderr: \(compare.stderr)")
            #expect(compare.stdout.contains("greedy vs random") || compare.stdout.contains("random vs greedy"), "\(compare.stdout)")
        }
    }

    /// The median best score within the first 6 model calls, the share of seeds reaching the
    /// target and the model calls of one problem and variant, read from the SQLite files.
    static func recompute(_ out: URL, _ problem: String, _ variant: String) async throws -> (median: Double, share: Double, calls: Int) {
        var bests: [Double] = [], reached = 0, calls = 0
        for seed in seeds {
            let store = try SQLiteProgramStore(path: runDirectory(out, problem, variant, seed).appendingPathComponent("evolve.sqlite").path)
            let goal = try await store.runInfo().goal
            let programs = try await store.allPrograms()
            var attempts: [AttemptRecord] = []
            for iteration in try await store.finishedIterations() { attempts += try await store.attempts(iteration: iteration) }
            attempts.sort { ($0.createdAt, $0.iteration, $0.attempt) < ($1.createdAt, $1.iteration, $1.attempt) }
            calls += attempts.count
            let counted = Set(attempts.prefix(6).filter { $0.outcome == .accepted }.map(\.iteration))
            let scores = programs.filter { $0.origin == .initial || ($0.origin == .mutation && counted.contains($0.iteration)) }.compactMap(\.score)
            let best = goal.direction == .maximize ? scores.max()! : scores.min()!
            bests.append(best)
            if programs.compactMap(\.score).contains(where: goal.reachesTarget) { reached += 1 }
        }
        bests.sort()
        return ((bests[0] + bests[1]) / 2, Double(reached) / Double(seeds.count), calls)
    }

    @Test("a SIGKILLed experiment, started again, finishes every run and leaves finished runs untouched")
    func killAndResume() async throws {
        let out = try TemporaryDirectory(prefix: "evolve-experiment-kill")
        defer { out.remove() }
        try await LoopbackLLMServer.with(script: Self.script(delay: 0.15)) { server in
            let arguments = Self.arguments(out: out.url, server: server) + ["--jobs", "1"]
            let first = try startEvolve(arguments)
            let all = Self.problems.flatMap { p in Self.variants.flatMap { v in Self.seeds.map { Self.runDirectory(out.url, p, v, $0) } } }
            func finished() -> [URL] { all.filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("finished.json").path) } }
            let started = Date()
            while finished().count < 3, first.process.isRunning, Date().timeIntervalSince(started) < 180 {
                try await Task.sleep(for: .milliseconds(20))
            }
            kill(first.process.processIdentifier, SIGKILL)
            first.process.waitUntilExit()
            _ = first.result(seconds: 0)
            let before = finished()
            #expect(before.count >= 3 && before.count < 12, "killed after \(before.count) finished runs")
            var snapshot: [URL: (programs: Int, marker: Data)] = [:]
            for run in before {
                snapshot[run] = (try await Self.programCount(run), try Data(contentsOf: run.appendingPathComponent("finished.json")))
            }

            let second = try runEvolve(arguments, timeout: 300)
            #expect(second.status == 0, "stderr: \(second.stderr)")
            #expect(second.stderr.contains("\(before.count) runs finished earlier are kept"), "\(second.stderr)")
            #expect(finished().count == 12)
            for run in before {
                #expect(try await Self.programCount(run) == snapshot[run]?.programs, "\(run.path) changed")
                #expect(try Data(contentsOf: run.appendingPathComponent("finished.json")) == snapshot[run]?.marker)
                let events = try String(contentsOf: run.appendingPathComponent("events.jsonl"), encoding: .utf8)
                #expect(events.components(separatedBy: "\"type\":\"run_started\"").count == 2, "\(run.path) ran once")
            }
            #expect(!second.stderr.contains("started knapsack/map_elites/seed-1"), "the first run is not started again")
        }
    }

    @Test("Ctrl-C stops an experiment gracefully: the run in progress is saved as interrupted, no other starts, exit 130")
    func interruptStops() async throws {
        let out = try TemporaryDirectory(prefix: "evolve-experiment-interrupt")
        defer { out.remove() }
        try await LoopbackLLMServer.with(script: Self.script(delay: 30)) { server in
            let running = try startEvolve(Self.arguments(out: out.url, server: server) + ["--jobs", "1"])
            let first = Self.runDirectory(out.url, "knapsack", "map_elites", 1)
            let deadline = Date().addingTimeInterval(120)
            // The starting program is stored first; then the first model call waits on the slow server.
            while Date() < deadline, running.process.isRunning, ((try? await Self.programCount(first)) ?? 0) == 0 {
                try await Task.sleep(for: .milliseconds(50))
            }
            try await Task.sleep(for: .milliseconds(500))
            let interrupted = Date()
            kill(running.process.processIdentifier, SIGINT)
            running.process.waitUntilExit()
            let result = running.result(seconds: Date().timeIntervalSince(interrupted))
            #expect(result.status == 130, "stderr: \(result.stderr)")
            #expect(result.seconds < 20, "it does not wait for the model's answer")
            #expect(result.stderr.contains("stopping"), "\(result.stderr)")
            #expect(result.stderr.contains("knapsack/map_elites/seed-1: interrupted"), "\(result.stderr)")
            #expect(result.stdout.contains("experiment: stopped; the interrupted runs (1) resume"), "\(result.stdout)")
            #expect(!FileManager.default.fileExists(atPath: first.appendingPathComponent("finished.json").path))
            let events = try String(contentsOf: first.appendingPathComponent("events.jsonl"), encoding: .utf8)
            #expect(events.contains("\"reason\":\"interrupted\""))
            #expect(!FileManager.default.fileExists(atPath: Self.runDirectory(out.url, "knapsack", "map_elites", 2).path), "no other run started")
            #expect(FileManager.default.fileExists(atPath: out.url.appendingPathComponent("report.md").path))
        }
    }

    @Test("on the process sandbox, runs go two at a time, and every run finishes")
    func parallelRuns() async throws {
        let out = try TemporaryDirectory(prefix: "evolve-experiment-jobs")
        defer { out.remove() }
        try await LoopbackLLMServer.with(script: Self.script()) { server in
            let run = try runEvolve(
                ["experiment", Self.spec.path, "--out", out.url.path, "--ollama-url", server.url, "--sandbox", "process", "--jobs", "2"],
                timeout: 240)
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(run.stderr.contains(", 2 running, "), "\(run.stderr)")
            #expect(run.stderr.contains("experiment: 12/12 done, 0 running, 0 left"))
            print("smoke experiment, process sandbox, 2 runs at a time: \(String(format: "%.1f", run.seconds)) s")
        }
    }

    @Test("a spec with an unknown key stops before any run, naming the file and line (exit 2)")
    func invalidSpec() throws {
        let directory = try TemporaryDirectory(prefix: "evolve-experiment-spec")
        defer { directory.remove() }
        try directory.write(["spec.yaml": "problems: [\(PackagePaths.knapsackExample.path)]\nvariant: [{name: x}]\nbudget: {model_calls: 2}\n"])
        let run = try runEvolve(["experiment", directory.url.appendingPathComponent("spec.yaml").path, "--out", directory.url.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("spec.yaml:2: "), "\(run.stderr)")
        #expect(run.stderr.contains("did you mean `variants`"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("runs").path))
    }

    @Test("two specs sharing one OUT: the report the second writes holds the first's runs too")
    func sharedOutput() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-experiment-shared")
        defer { directory.remove() }
        let problem = PackagePaths.root.appendingPathComponent("experiments/problems/three_numbers").path
        let spec = { (variant: String) in
            "problems: [\(problem)]\nvariants:\n  - name: \(variant)\n    overrides: {search: {strategy: \(variant)}}\n"
                + "seeds: [1]\nbudget: {model_calls: 2}\n"
        }
        try directory.write(["first.yaml": spec("random"), "second.yaml": spec("greedy")])
        try await LoopbackLLMServer.with(script: Self.script()) { server in
            let out = directory.url.appendingPathComponent("out")
            for name in ["first.yaml", "second.yaml"] {
                let run = try runEvolve(
                    ["experiment", directory.url.appendingPathComponent(name).path, "--out", out.path, "--ollama-url", server.url, "--sandbox", "process"],
                    timeout: 120)
                #expect(run.status == 0, "\(name): \(run.stderr)")
            }
            let report = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("report.json"))) as? [String: Any]
            let runs = (report?["runs"] as? [[String: Any]] ?? []).compactMap { $0["variant"] as? String }
            #expect(runs == ["greedy", "random"], "the second spec's run first, then the first's, which it found in OUT")
            let markdown = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
            #expect(markdown.contains("| random | 1 |") && markdown.contains("| greedy | 1 |"), "\(markdown)")
        }
    }

    static func programCount(_ run: URL) async throws -> Int {
        try await SQLiteProgramStore(path: run.appendingPathComponent("evolve.sqlite").path).allPrograms().count
    }
}
