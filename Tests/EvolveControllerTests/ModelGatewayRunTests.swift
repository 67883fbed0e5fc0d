import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import EvolveTesting
import Foundation
import Synchronization
import Testing

@testable import EvolveController

/// A run whose evaluator calls the run's model through the gateway (`evaluator.model`), against a
/// loopback server speaking the real OpenAI API, with a host key the server requires.
@Suite("model gateway in a run", .serialized)
struct ModelGatewayRunTests {
    static let yaml = """
        description: Ask as many questions as the budget allows.
        program: initial_program.py
        goal:
          direction: maximize
        evaluator:
          command: "python3 evaluate.py {program}"
          model:
            calls: 3
            tokens: 5000
        llm:
          provider: openai
          model: loopback-model
          concurrency: 1
        search:
          iterations: 1
        sandbox:
          backend: process
          timeout: 60
          concurrency: 1

        """

    static let program = "# EVOLVE-BLOCK-START\nQUESTIONS = 1\n# EVOLVE-BLOCK-END\n"

    /// Sends a request with a key of its own, then asks QUESTIONS questions; the score is the answers that were 42.
    /// Its whole environment goes to standard error, where the test looks for the host's key.
    static let evaluator = #"""
        import http.client, json, os, socket, sys

        def ask(content, headers=None):
            connection = http.client.HTTPConnection("evolve-gateway", timeout=30)
            connection.sock = socket.socket(socket.AF_UNIX)
            connection.sock.connect(os.environ["EVOLVE_MODEL_SOCKET"])
            body = json.dumps({"model": os.environ["EVOLVE_MODEL"], "messages": [{"role": "user", "content": content}]})
            connection.request("POST", "/v1/chat/completions", body=body, headers=dict({"Content-Type": "application/json"}, **(headers or {})))
            response = connection.getresponse()
            answer = json.loads(response.read())
            return response.status, answer

        print(json.dumps(dict(os.environ)), file=sys.stderr)
        own_key, _ = ask("with my key", {"Authorization": "Bearer sk-candidate-own"})
        count = int(open(sys.argv[1]).read().split("QUESTIONS = ")[1].split()[0])
        answered = 0
        for i in range(count):
            status, answer = ask(f"question {i}")
            answered += status == 200 and answer["choices"][0]["message"]["content"] == "42"
        print(json.dumps({"score": answered, "metrics": {"own_key": own_key}}))
        """#

    static let improvement = """
        More questions score more.

        <<<<<<< SEARCH
        QUESTIONS = 1
        =======
        QUESTIONS = 5
        >>>>>>> REPLACE
        """

    /// Runs the problem in the process sandbox to its end.
    static func run(
        _ problem: Problem, llm: any LLMClient, store: SQLiteProgramStore, in directory: TemporaryDirectory, budget: RunBudget = RunBudget()
    ) async throws -> RunSummary {
        var settings = RunSettings(problem.configuration)
        settings.budget = budget
        let controller = Controller(
            problem: problem, llm: llm, sandbox: ProcessSandbox(configuration: .init(), logger: testLogger), store: store,
            settings: settings, logger: testLogger)
        let events = controller.events.subscribe()
        let drain = Task { for await _ in events {} }
        let summary = try await controller.run(runDirectory: directory.url.path)
        await drain.value
        return summary
    }

    @Test(
        "gateway calls reach the model with the host's key and never the candidate's, count in the run's calls, tokens and cost, survive a 503 through the run's retries, and are stored with each program"
    )
    func run() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-gateway-run")
        defer { directory.remove() }
        try directory.write(["evolve.yaml": Self.yaml, "initial_program.py": Self.program, "evaluate.py": Self.evaluator])
        let problem = try Problem.load(from: directory.url)
        let hostKey = "sk-host-" + UUID().uuidString
        let failedOnce = Mutex(false)
        try await LoopbackLLMServer.with(models: ["loopback-model"], script: { request in
            if request.messages.first?.content.contains("Ask as many questions") == true { return .answer(Self.improvement) }
            // The first question of the run fails once: the run's client retries it.
            let first = failedOnce.withLock { failed in
                defer { failed = true }
                return !failed
            }
            return first ? .status(503, "overloaded") : .answer("42")
        }) { server in
            let openAI = OpenAIClient(
                configuration: .init(endpoint: server.url + "/v1", apiKey: hostKey, problem.configuration.llm), logger: testLogger)
            // Priced, so that the gateway's answers cost something.
            let llm = EnsembleClient(members: [.init(client: openAI, inputPrice: 10, outputPrice: 10)])
            let store = try await SQLiteProgramStore(path: directory.url.appendingPathComponent("run.sqlite").path)
            let summary = try await Self.run(problem, llm: llm, store: store, in: directory)
            #expect(summary.iterations == 1)

            let programs = try await store.allPrograms()
            let start = try #require(programs.first { $0.origin == .initial })
            let child = try #require(programs.first { $0.origin == .mutation })
            #expect(start.result.score == 1, "\(start.result.failureReason ?? "") \(start.result.stderrTail.suffix(300))")
            #expect(child.result.score == 3, "\(child.result.failureReason ?? "") \(child.result.stderrTail.suffix(300))")
            // Each evaluation: its own key refused, then its questions; the child's last two past its 3 calls.
            #expect(start.result.metrics["own_key"] == .number(401))
            let startUsage = try #require(start.modelGateway)
            #expect(startUsage.calls == 1 && startUsage.refused == 1 && startUsage.refusals.map(\.kind) == [.credentials])
            let childUsage = try #require(child.modelGateway)
            #expect(childUsage.calls == 3 && childUsage.refused == 3)
            #expect(childUsage.refusals.map(\.kind) == [.credentials, .callsBudget, .callsBudget])
            #expect(childUsage.tokens > 0 && childUsage.cost > 0)

            // The server saw the host's key on every request, the candidate's on none; the refused
            // requests never reached it (1 failed + 1 + 3 answered questions, and one mutation).
            let gateway = server.requests.filter { $0.messages.first?.content.contains("Ask as many questions") != true }
            #expect(gateway.count == 5, "\(gateway.map(\.messages))")
            #expect(server.requests.allSatisfy { $0.authorization == "Bearer \(hostKey)" })
            #expect(!server.requests.contains { $0.body.contains("sk-candidate-own") })
            // The host's key never entered the sandbox: the evaluators' whole environments hold no trace of it.
            for program in [start, child] {
                #expect(program.result.stderrTail.contains("EVOLVE_MODEL_SOCKET"))
                #expect(!program.result.stderrTail.contains(hostKey) && !program.result.stdoutTail.contains(hostKey))
            }
            // The 503 went through the run's retries and was stored with the run's faults.
            let faults = try await store.faultCounts()
            #expect(faults["loopback-model"]?["http_503"] == 1, "\(faults)")

            // The run's budget counts the gateway's calls and tokens, a resumed run's too; its cost, their cost.
            let finished = try await store.finishedIterations()
            let usage = try await BudgetUsage.stored(in: store, finished: finished, budget: RunBudget(modelCalls: 1000))
            let attempts = try await store.attempts(iteration: 1)
            #expect(usage.modelCalls == attempts.count + 1 + 3)
            #expect(usage.tokens == attempts.tokens + startUsage.tokens + childUsage.tokens)
            let spent = try await store.runInfo().modelCost
            let answers = try await store.totalCost()
            #expect(abs(spent - (answers + startUsage.cost + childUsage.cost)) < 1e-9, "run cost \(spent), answers \(answers)")
        }
    }

    @Test("a run stops on its model-call budget once the evaluators' gateway calls have spent it")
    func budgetCountsGatewayCalls() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-gateway-budget")
        defer { directory.remove() }
        try directory.write([
            "evolve.yaml": Self.yaml.replacingOccurrences(of: "iterations: 1", with: "iterations: 10"),
            "initial_program.py": Self.program.replacingOccurrences(of: "QUESTIONS = 1", with: "QUESTIONS = 3"),
            "evaluate.py": Self.evaluator,
        ])
        let problem = try Problem.load(from: directory.url)
        try await LoopbackLLMServer.with(models: ["loopback-model"], script: { request in
            request.messages.first?.content.contains("Ask as many questions") == true
                ? .answer(Self.improvement.replacingOccurrences(of: "QUESTIONS = 1", with: "QUESTIONS = 3")
                    .replacingOccurrences(of: "QUESTIONS = 5", with: "QUESTIONS = \(request.index + 4)"))
                : .answer("42")
        }) { server in
            let llm = OpenAIClient(configuration: .init(endpoint: server.url + "/v1", apiKey: nil, problem.configuration.llm), logger: testLogger)
            let store = try await SQLiteProgramStore(path: directory.url.appendingPathComponent("run.sqlite").path)
            // The start's 3 gateway calls leave 3: one mutation call, and its child's 3 gateway calls pass the budget.
            let summary = try await Self.run(problem, llm: llm, store: store, in: directory, budget: RunBudget(modelCalls: 6))
            #expect(summary.reason == .budgetSpent)
            // Counting its mutation calls alone, the budget would have allowed 6 iterations.
            #expect(summary.iterations <= 2, "\(summary.iterations) iterations")
        }
    }

    @Test("evaluator.model with a backend that cannot serve the gateway is a configuration error before anything starts")
    func refusedBackend() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-gateway-docker")
        defer { directory.remove() }
        try directory.write([
            "evolve.yaml": Self.yaml.replacingOccurrences(of: "backend: process", with: "backend: docker"),
            "initial_program.py": Self.program, "evaluate.py": Self.evaluator,
        ])
        let builder = try RunBuilder(directory: directory.url, environment: ["OPENAI_BASE_URL": "http://127.0.0.1:9/v1"], logger: testLogger)
        await #expect {
            try await builder.withRun { _ in }
        } throws: { error in
            guard let error = error as? RunSetupError else { return false }
            return error.code == .invalidConfiguration && error.message.contains("evaluator.model") && error.message.contains("docker")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("runs").path))
    }
}
