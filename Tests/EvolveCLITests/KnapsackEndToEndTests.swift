import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

@Suite("evolve run on examples/knapsack", .serialized)
struct KnapsackEndToEndTests {
    @Test("a scripted dynamic-programming diff reaches the optimum 275 and `evolve best` prints it", arguments: [1, 20])
    func reachesTheOptimum(reuse: Int) async throws {
        let problem = try knapsackProblem()
        defer { problem.remove() }
        if reuse > 1 {
            // Reused gVisor sandboxes: the same run, with up to `reuse` evaluations per sandbox.
            let file = problem.url.appendingPathComponent("evolve.yaml")
            let yaml = try String(contentsOf: file, encoding: .utf8)
            #expect(yaml.contains("sandbox:\n  timeout: 10\n"))
            try yaml.replacingOccurrences(of: "sandbox:\n  timeout: 10\n", with: "sandbox:\n  timeout: 10\n  reuse: \(reuse)\n")
                .write(to: file, atomically: true, encoding: .utf8)
        }
        // A SEARCH that matches nothing (rejected, reason fed back); then the DP diff; then one
        // garbage reply (a model error, recorded) and answers without any change.
        try await LoopbackLLMServer.with(script: { request in
            switch request.index {
            case 0: return .answer("<<<<<<< SEARCH\nnot in the program\n=======\nx\n>>>>>>> REPLACE")
            case 1: return .answer(KnapsackAnswers.dynamicProgramming)
            case 2: return .garbage("<html>not json</html>")
            default: return .answer("I have no further ideas.")
            }
        }) { server in
            let run = try runEvolve(["run", problem.url.path, "--ollama-url", server.url, "--model-concurrency", "1", "--iterations", "10"])
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(run.stdout.contains("target reached"))
            #expect(run.stdout.contains("best score 275.0"))

            // The rejection reason went back to the model in the second request.
            let requests = server.requests
            #expect(requests.count >= 2)
            #expect(requests[1].messages.contains { $0.role == "user" && $0.content.contains("does not match the current program") })
            #expect(requests[0].model == LLMConfiguration.defaultModel)
            #expect(requests[0].messages.first?.role == "system")
            #expect(requests[0].messages.first?.content.contains("0/1 knapsack") == true)

            let best = try runEvolve(["best", problem.url.path])
            #expect(best.status == 0, "stderr: \(best.stderr)")
            #expect(best.stdout.contains("best score 275.0"))
            #expect(best.stdout.contains("best = [[0] * (capacity + 1) for _ in range(n + 1)]"))
            #expect(best.stdout.contains("start"))
            // Per model: one answer became a child, and it beat its parent (249 → 275); the rest were rejected.
            #expect(best.stdout.contains("models:\n  \(LLMConfiguration.defaultModel): "), "\(best.stdout)")
            #expect(best.stdout.contains(" answers, 1 became children, 1 improved on their parent"), "\(best.stdout)")

            let code = try runEvolve(["best", problem.url.path, "--code-only"])
            #expect(code.stdout.hasPrefix("\"\"\"0/1 knapsack"))
        }
    }

    @Test("with no model server, `evolve run` stops within 5 s with one message naming the URL, the model and the fix")
    func noServer() throws {
        let problem = try knapsackProblem()
        defer { problem.remove() }
        let run = try runEvolve(["run", problem.url.path], environment: ["OLLAMA_HOST": "127.0.0.1:9"], timeout: 30)
        #expect(run.status == 3)
        #expect(run.seconds < 5)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("http://127.0.0.1:9"))
        #expect(run.stderr.contains(LLMConfiguration.defaultModel))
        #expect(run.stderr.contains("ollama serve"))
    }

    @Test("a model that is not pulled stops the run with the `ollama pull` fix")
    func modelMissing() async throws {
        let problem = try knapsackProblem()
        defer { problem.remove() }
        try await LoopbackLLMServer.with(models: ["other:latest"], replies: [.empty]) { server in
            let run = try runEvolve(["run", problem.url.path, "--ollama-url", server.url], timeout: 30)
            #expect(run.status == 3)
            #expect(run.stderr.contains("ollama pull \(LLMConfiguration.defaultModel)"))
        }
    }

    @Test("a malformed evolve.yaml stops `evolve run` with exit 2 and a one-line error")
    func badConfiguration() throws {
        let problem = try knapsackProblem(extraYAML: "serch:\n  iterations: 3\n")
        defer { problem.remove() }
        let run = try runEvolve(["run", problem.url.path, "--ollama-url", "http://127.0.0.1:9"], timeout: 30)
        #expect(run.status == 2)
        #expect(run.stderr.split(separator: "\n").count == 1)
        #expect(run.stderr.contains("evolve.yaml:"))
        #expect(run.stderr.contains("serch"))
        #expect(run.stderr.contains("did you mean `search`"))
    }

    @Test("SIGKILL mid-run, then --resume: the run finishes with no evaluated program lost or evaluated twice")
    func killAndResume() async throws {
        let iterations = 14
        let problem = try knapsackProblem(extraYAML: "")
        defer { problem.remove() }
        // Every answer is a new, distinct child, slowly enough that the kill lands mid-run.
        try await LoopbackLLMServer.with(script: { request in
            .delayed(seconds: 0.25, .answer(KnapsackAnswers.variant(request.index)))
        }) { server in
            let runDirectory = problem.url.appendingPathComponent("runs/killed").path
            let arguments = ["run", problem.url.path, "--ollama-url", server.url, "--iterations", String(iterations), "--run-dir", runDirectory]

            let first = try startEvolve(arguments)
            let database = runDirectory + "/evolve.sqlite"
            let deadline = Date().addingTimeInterval(120)
            var before: [Program] = []
            while Date() < deadline {
                if FileManager.default.fileExists(atPath: database),
                    let programs = try? await SQLiteProgramStore(path: database, readOnly: true).allPrograms(),
                    programs.filter({ $0.origin == .mutation }).count >= 4
                {
                    break
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            kill(first.process.processIdentifier, SIGKILL)
            first.process.waitUntilExit()
            #expect(first.process.terminationReason == .uncaughtSignal)
            before = try await SQLiteProgramStore(path: database, readOnly: true).allPrograms()
            let finishedBefore = try await SQLiteProgramStore(path: database, readOnly: true).finishedIterations()
            #expect(before.filter { $0.origin == .mutation }.count >= 4)
            #expect(finishedBefore.count < iterations, "the kill must land before the run ends")

            let resumed = try runEvolve(["run", problem.url.path, "--ollama-url", server.url, "--iterations", String(iterations), "--run-dir", runDirectory, "--resume"])
            #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
            #expect(resumed.stderr.contains("resuming with \(before.count) stored programs"))

            let store = try SQLiteProgramStore(path: database, readOnly: true)
            let after = try await store.allPrograms()
            // Nothing lost: every program stored before the kill is still there, unchanged.
            let afterByID = Dictionary(uniqueKeysWithValues: after.map { ($0.id, $0) })
            for program in before {
                #expect(afterByID[program.id]?.code == program.code)
                #expect(afterByID[program.id]?.result.score == program.result.score)
            }
            // Nothing evaluated twice: one starting program, distinct code for every child, one program per iteration.
            let children = after.filter { $0.origin == .mutation }
            #expect(after.filter { $0.origin == .initial }.count == 1)
            #expect(Set(children.map(\.code)).count == children.count)
            #expect(Set(children.map(\.iteration)).count == children.count)
            #expect(try await store.finishedIterations().count == iterations)
            #expect(children.allSatisfy { $0.result.score == 249 })
        }
    }
}
