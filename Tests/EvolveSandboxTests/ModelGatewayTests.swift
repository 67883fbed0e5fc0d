import EvolveCore
import EvolveTesting
import Foundation
import Synchronization
import Testing

@testable import EvolveSandbox

#if canImport(Glibc)
import Glibc
#endif

/// A model for the gateway that answers from a script and keeps what it was asked.
final class ScriptedGatewayModel: GatewayModel {
    let names = ["stub-model"]
    let maxTokens = 256
    let seen = Mutex<[GatewayCompletionRequest]>([])
    let answer: @Sendable (GatewayCompletionRequest) async throws -> String

    init(answer: @escaping @Sendable (GatewayCompletionRequest) async throws -> String = { "answer to " + ($0.messages.last?.content ?? "") }) {
        self.answer = answer
    }

    var requests: [GatewayCompletionRequest] { seen.withLock { $0 } }

    func complete(_ request: GatewayCompletionRequest) async throws -> GatewayCompletion {
        seen.withLock { $0.append(request) }
        let text = try await answer(request)
        return GatewayCompletion(text: text, model: "stub-model", promptTokens: 10, completionTokens: 5, finishReason: "stop", cost: 0.001)
    }
}

/// What the gateway answers, request by request, apart from any socket.
@Suite("model gateway: what passes and what is refused")
struct GatewayExchangeTests {
    static let chat = #"{"messages": [{"role": "user", "content": "2 + 2?"}]}"#

    func exchange(_ model: ScriptedGatewayModel = ScriptedGatewayModel(), secrets: [String] = []) -> GatewayExchange {
        GatewayExchange(model: model, scrubber: SecretScrubber(secrets: secrets))
    }

    func request(
        _ body: String = chat, method: String = "POST", uri: String = "/v1/chat/completions", headers: [(name: String, value: String)] = []
    ) -> GatewayExchange.Request {
        GatewayExchange.Request(method: method, uri: uri, headers: [("Content-Type", "application/json")] + headers, body: Data(body.utf8))
    }

    static func code(_ reply: GatewayExchange.Reply) -> String? {
        let object = try? JSONSerialization.jsonObject(with: reply.body) as? [String: Any]
        return (object?["error"] as? [String: Any])?["code"] as? String
    }

    @Test("a chat completion passes, answered in the OpenAI format with usage and the budget left")
    func passes() async throws {
        let model = ScriptedGatewayModel()
        let exchange = exchange(model)
        let session = GatewaySession(budget: .init(calls: 3, tokens: 1000), exchange: exchange)
        let body = #"{"model": "stub-model", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": [{"type": "text", "text": "2 + 2?"}]}], "temperature": 0, "max_tokens": 40, "seed": 7, "user": "ignored"}"#
        let reply = await exchange.answer(request(body, headers: [("Authorization", "Bearer")]), session: session)
        #expect(reply.status == 200)
        let object = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])
        #expect(object["object"] as? String == "chat.completion")
        let message = ((object["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
        #expect(message == "answer to 2 + 2?")
        #expect((object["usage"] as? [String: Int])?["total_tokens"] == 15)
        #expect(reply.headers.contains { $0.name == "x-evolve-calls-left" && $0.value == "2" })
        let asked = try #require(model.requests.first)
        #expect(asked.messages.map(\.role) == [.system, .user] && asked.temperature == 0 && asked.seed == 7 && asked.maxTokens == 40)
        #expect(session.usage == ModelGatewayUsage(calls: 1, promptTokens: 10, completionTokens: 5, cost: 0.001))
    }

    @Test(
        "anything else is refused with its status and code, recorded, and never reaches the model",
        arguments: [
            ("another path", "POST", "/v1/embeddings", [], chat, 404, "path"),
            ("the model list", "GET", "/v1/models", [], "", 404, "path"),
            ("another method", "GET", "/v1/chat/completions", [], "", 405, "method"),
            ("a path that climbs", "POST", "/v1/chat/completions/../../api/chat", [], chat, 404, "path"),
            ("a key of its own", "POST", "/v1/chat/completions", [("Authorization", "Bearer sk-candidate-123")], chat, 401, "credentials"),
            ("an api-key header", "POST", "/v1/chat/completions", [("api-key", "sk-candidate-123")], chat, 401, "credentials"),
            ("an x-api-key header", "POST", "/v1/chat/completions", [("X-Api-Key", "k")], chat, 401, "credentials"),
            ("not JSON", "POST", "/v1/chat/completions", [], "messages=hi", 400, "bad_request"),
            ("no messages", "POST", "/v1/chat/completions", [], #"{"messages": []}"#, 400, "bad_request"),
            ("streaming", "POST", "/v1/chat/completions", [], #"{"stream": true, "messages": [{"role": "user", "content": "hi"}]}"#, 400, "unsupported"),
            ("tools", "POST", "/v1/chat/completions", [], #"{"tools": [], "messages": [{"role": "user", "content": "hi"}]}"#, 400, "unsupported"),
            ("an image", "POST", "/v1/chat/completions", [], #"{"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}"#, 400, "unsupported"),
            ("another model", "POST", "/v1/chat/completions", [], #"{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}"#, 404, "model"),
        ] as [(String, String, String, [(String, String)], String, Int, String)])
    func refused(
        name: String, method: String, uri: String, headers: [(String, String)], body: String, status: Int, code: String
    ) async throws {
        let model = ScriptedGatewayModel()
        let exchange = exchange(model)
        let session = GatewaySession(budget: .init(calls: 3, tokens: 1000), exchange: exchange)
        let reply = await exchange.answer(
            request(body, method: method, uri: uri, headers: headers.map { (name: $0.0, value: $0.1) }), session: session)
        #expect(reply.status == status, "\(name)")
        #expect(Self.code(reply) == code, "\(name): \(String(decoding: reply.body, as: UTF8.self))")
        #expect(model.requests.isEmpty, "\(name) reached the model")
        #expect(session.usage.refused == 1 && session.usage.refusals.first?.kind.rawValue == code)
        #expect(session.usage.calls == 0)
        #expect(!String(decoding: reply.body, as: UTF8.self).contains("sk-candidate-123"))
    }

    @Test("past the evaluation's calls, and past its tokens, requests get 429; max_tokens is lowered to what is left")
    func budgets() async throws {
        let model = ScriptedGatewayModel()
        let exchange = exchange(model)
        let calls = GatewaySession(budget: .init(calls: 2, tokens: 100_000), exchange: exchange)
        var statuses: [Int] = []
        for _ in 0..<4 { statuses.append(await exchange.answer(request(), session: calls).status) }
        #expect(statuses == [200, 200, 429, 429])
        #expect(calls.usage.calls == 2 && calls.usage.refused == 2 && calls.usage.refusals.allSatisfy { $0.kind == .callsBudget })

        // 40 tokens: the first request may answer in at most 40 minus its prompt's estimate; its
        // 15 counted tokens leave 25, too few for a prompt of about 30.
        let tokens = GatewaySession(budget: .init(calls: 10, tokens: 40), exchange: exchange)
        #expect(await exchange.answer(request(), session: tokens).status == 200)
        #expect(model.requests.last?.maxTokens == 40 - (GatewaySession.estimateTokens("2 + 2?") + 4))
        let long = #"{"messages": [{"role": "user", "content": "\#(String(repeating: "word ", count: 20))"}]}"#
        let refused = await exchange.answer(request(long), session: tokens)
        #expect(refused.status == 429 && Self.code(refused) == "tokens_budget")
        #expect(tokens.usage.tokens == 15)
    }

    @Test("more requests at once than the gateway forwards are refused as busy; concurrent requests never pass the calls budget")
    func concurrency() async throws {
        let model = ScriptedGatewayModel { _ in
            try await Task.sleep(for: .milliseconds(300))
            return "late"
        }
        let exchange = exchange(model)
        let session = GatewaySession(budget: .init(calls: 5, tokens: 100_000), exchange: exchange)
        let statuses = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 { group.addTask { await exchange.answer(request(), session: session).status } }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 200 }.count == GatewaySession.concurrency)
        #expect(statuses.filter { $0 == 429 }.count == 8 - GatewaySession.concurrency)
        #expect(Set(session.usage.refusals.map(\.kind)) == [.busy])
        #expect(model.requests.count == GatewaySession.concurrency)
    }

    @Test("the model's failure, or the evaluation's end, is a 502 the evaluation keeps; the run's key values never go back into the sandbox")
    func failuresAndSecrets() async throws {
        struct Down: Error, CustomStringConvertible { var description: String { "server down, key sk-host-secret-1234" } }
        let failing = exchange(ScriptedGatewayModel { _ in throw Down() }, secrets: ["sk-host-secret-1234"])
        let session = GatewaySession(budget: .init(calls: 3, tokens: 1000), exchange: failing)
        let reply = await failing.answer(request(), session: session)
        #expect(reply.status == 502 && Self.code(reply) == "model_error")
        #expect(!String(decoding: reply.body, as: UTF8.self).contains("sk-host-secret-1234"))
        #expect(session.usage.refusals.first?.message.contains("[redacted]") == true)

        // A request still waiting for the model when its evaluation ends says so.
        let slow = exchange(ScriptedGatewayModel { _ in
            try await Task.sleep(for: .seconds(30))
            return "late"
        })
        let ended = GatewaySession(budget: .init(calls: 3, tokens: 1000), exchange: slow)
        let waiting = Task { await slow.answer(request(), session: ended) }
        try await Task.sleep(for: .milliseconds(100))
        waiting.cancel()
        #expect(await waiting.value.status == 502)
        #expect(ended.usage.refusals.first?.message.contains("the evaluation ended") == true, "\(ended.usage.refusals)")

        let echoing = exchange(ScriptedGatewayModel { _ in "the key is sk-host-secret-1234" }, secrets: ["sk-host-secret-1234"])
        let answered = await echoing.answer(request(), session: GatewaySession(budget: .init(), exchange: echoing))
        #expect(String(decoding: answered.body, as: UTF8.self).contains("the key is [redacted]"))
    }
}

/// The gateway through a real unix socket and a real Python client, in the process backend.
@Suite("model gateway: the process backend")
struct ProcessGatewayTests {
    @Test("an evaluator asks the model over the socket; its usage is stored with the result; the socket's folder is removed")
    func evaluatorCallsTheModel() async throws {
        let fixture = try ProblemFixture(evaluator: GatewayScripts.asking, sandbox: "timeout: 30")
        defer { fixture.remove() }
        let model = ScriptedGatewayModel { _ in "42" }
        var evaluator = fixture.evaluator
        evaluator.gateway = ModelGateway(model: model, budget: .init(calls: 2, tokens: 1000))
        let result = try await evaluator.evaluate("QUESTIONS = 3\n")
        #expect(result.status == .success, "\(result.failureReason ?? "") \(result.stderrTail)")
        // Two answered, the third past the budget of 2 calls.
        #expect(result.score == 2)
        #expect(result.metrics["statuses"] == .array([.number(200), .number(200), .number(429)]))
        #expect(result.metrics["model"] == .string("stub-model"))
        #expect(result.modelGateway?.calls == 2 && result.modelGateway?.refused == 1)
        #expect(result.modelGateway?.refusals.first?.kind == .callsBudget)
        #expect(model.requests.count == 2)
        #expect(fixture.leftovers.isEmpty, "left behind: \(fixture.leftovers)")

        // Without the gateway, the evaluator has no socket.
        let plain = try await fixture.evaluator.evaluate("QUESTIONS = 1\n")
        #expect(plain.modelGateway == nil)
        #expect(plain.failureReason?.contains("no gateway") == true)
    }

    @Test("a body over 256 KiB is refused with 413; the rest of it is read and dropped, so the client gets the answer")
    func oversizedBody() async throws {
        let fixture = try ProblemFixture(evaluator: GatewayScripts.oversized, sandbox: "timeout: 30")
        defer { fixture.remove() }
        let model = ScriptedGatewayModel()
        var evaluator = fixture.evaluator
        evaluator.gateway = ModelGateway(model: model, budget: .init(calls: 2, tokens: 1000))
        let result = try await evaluator.evaluate("VALUE = 1\n")
        #expect(result.status == .success, "\(result.failureReason ?? "") \(result.stderrTail)")
        #expect(result.metrics["status"] == .number(413))
        #expect(result.metrics["code"] == .string("too_large"))
        #expect(model.requests.isEmpty)
    }
}

/// The gateway from inside gVisor (the real runsc): reachable, budgeted, and the only way out.
@Suite("model gateway: the gVisor backend", .serialized, .enabled(if: TestEnvironment.runsGVisorTests, "needs runsc, as root"))
struct GVisorGatewayTests {
    @Test(
        "a hostile evaluator gets nothing past the gateway: other paths, methods, models, its own key, a huge body, a flood past its budget, TCP, a host socket in the problem directory",
        arguments: [(1, false), (50, false), (1, true)])
    func hostile(reuse: Int, warm: Bool) async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-gateway")
        let scratch = try TemporaryDirectory(prefix: "evolve-gateway-scratch")
        defer {
            directory.remove()
            scratch.remove()
        }
        let listener = try Listener()
        try directory.write([
            "evolve.yaml": "program: candidate.py\nevaluator:\n  command: python3 evaluate.py {program}\nsandbox:\n  timeout: 30\n  hide: [private]\n",
            "candidate.py": "VALUE = 1\n",
            "evaluate.py": GatewayScripts.hostile(port: listener.port),
        ])
        // A host socket in a hidden folder of the problem directory: with --host-uds=open it would
        // be reachable if its folder were not masked.
        try FileManager.default.createDirectory(at: directory.url.appendingPathComponent("private"), withIntermediateDirectories: true)
        let side = try Listener(unixPath: directory.url.appendingPathComponent("private/side.sock").path)
        let problem = try Problem.load(from: directory.url)
        let root = scratch.url.appendingPathComponent("gvisor")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let sandbox = GVisorSandbox(
            configuration: .init(SandboxConfiguration(gvisor: .init(reuse: reuse), warm: warm), temporaryRoot: root), logger: testLogger)
        try await sandbox.checkAvailability()
        let model = ScriptedGatewayModel { _ in "fine" }
        var evaluator = Evaluator(sandbox: sandbox, problem: problem, scrubber: SecretScrubber(secrets: []))
        evaluator.gateway = ModelGateway(model: model, budget: .init(calls: 3, tokens: 10_000))

        // Twice: a reused or warm sandbox gives the second evaluation a budget of its own.
        for round in 1...2 {
            let result = try await evaluator.evaluate("VALUE = \(round)\n")
            #expect(result.status == .success, "round \(round): \(result.failureReason ?? "") \(result.stderrTail)")
            let metrics = result.metrics
            #expect(metrics["env"] == .string("/run/evolve/model.sock stub-model 3"), "\(metrics)")
            let expected: [String: JSONValue] = [
                "other_path": "404 path", "model_list": "404 path", "get": "405 method", "own_key": "401 credentials",
                "azure_key": "401 credentials", "other_model": "404 model", "stream": "400 unsupported", "huge": "413 too_large",
                "not_json": "400 bad_request",
            ].mapValues { .string($0) }
            for (name, value) in expected { #expect(metrics[name] == value, "round \(round), \(name): \(metrics[name] ?? .null)") }
            #expect(metrics["flood"] == .string("200 200 200 429 429"), "round \(round): \(metrics["flood"] ?? .null)")
            #expect(metrics["tcp"] == .string("refused refused refused"), "round \(round): \(metrics["tcp"] ?? .null)")
            #expect(metrics["side_socket"] == .string("refused"), "round \(round): \(metrics["side_socket"] ?? .null)")
            #expect(metrics["key_in_environment"] == .bool(false))
            let usage = try #require(result.modelGateway)
            #expect(usage.calls == 3)
            #expect(usage.refused == 11)
            #expect(Set(usage.refusals.map(\.kind)) == [.path, .method, .credentials, .model, .unsupported, .tooLarge, .badRequest, .callsBudget])
        }
        #expect(model.requests.count == 6, "only admitted requests reach the model")

        // A socket it could see is refused before the sandbox starts (gVisor cannot mask one).
        let visible = try Listener(unixPath: directory.url.appendingPathComponent("open.sock").path)
        let refused = try await evaluator.evaluate("VALUE = 3\n")
        #expect(refused.status == .sandboxError && refused.failureReason?.contains("open.sock") == true, "\(refused.failureReason ?? "")")
        #expect(!visible.wasConnected)
        #expect(model.requests.count == 6)
        #expect(!listener.wasConnected, "a TCP connection reached the host")
        #expect(!side.wasConnected, "the problem directory's socket was reached")
        await sandbox.shutdown()
        let left = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        #expect(left.isEmpty, "left behind: \(left)")
    }

    @Test("the hostile battery still passes with the gateway on (runsc with --host-uds=open)")
    func batteryWithGateway() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-battery-gateway")
        let scratch = try TemporaryDirectory(prefix: "evolve-battery-gateway-scratch")
        defer {
            directory.remove()
            scratch.remove()
        }
        let root = scratch.url.appendingPathComponent("gvisor")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let sandbox = GVisorSandbox(configuration: .init(SandboxConfiguration(), temporaryRoot: root), logger: testLogger)
        let gateway = ModelGateway(model: ScriptedGatewayModel(), budget: .init(calls: 3, tokens: 1000))
        try await HostileBattery.run(sandbox: sandbox, directory: directory, gateway: gateway) { _ in }
        await sandbox.shutdown()
    }
}

/// Evaluators that use the gateway.
enum GatewayScripts {
    /// The Python client every script uses: one request over the socket, its status and error code or answer.
    static let client = #"""
        import http.client, json, os, socket

        def request(method, path, body=None, headers=None):
            connection = http.client.HTTPConnection("evolve-gateway", timeout=20)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(20)
            sock.connect(os.environ["EVOLVE_MODEL_SOCKET"])
            connection.sock = sock
            data = body if isinstance(body, (bytes, str)) or body is None else json.dumps(body)
            connection.request(method, path, body=data, headers=headers or {"Content-Type": "application/json"})
            response = connection.getresponse()
            raw = response.read()
            connection.close()
            try:
                parsed = json.loads(raw or b"{}")
            except ValueError:
                parsed = {}
            return response.status, parsed

        def outcome(method, path, body=None, headers=None):
            try:
                status, answer = request(method, path, body, headers)
            except OSError as error:
                return f"failed: {error}"
            return f"{status} {answer.get('error', {}).get('code', 'ok')}"

        CHAT = {"messages": [{"role": "user", "content": "hi"}]}

        """#

    /// Asks QUESTIONS questions (from the candidate); the score is the number answered.
    static let asking = client + #"""
        import sys
        if "EVOLVE_MODEL_SOCKET" not in os.environ:
            print(json.dumps({"error": "no gateway"}))
            sys.exit(0)
        count = int(open(sys.argv[1]).read().split("=")[1])
        statuses, answered = [], 0
        for i in range(count):
            status, answer = request("POST", "/v1/chat/completions", {"model": os.environ["EVOLVE_MODEL"], "messages": [{"role": "user", "content": f"question {i}"}], "max_tokens": 16})
            statuses.append(status)
            answered += status == 200 and answer["choices"][0]["message"]["content"] == "42"
        print(json.dumps({"score": answered, "metrics": {"statuses": statuses, "model": os.environ["EVOLVE_MODEL"]}}))
        """#

    /// Sends a body of 1 MiB.
    static let oversized = client + #"""
        status, answer = request("POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": "x" * (1 << 20)}]})
        print(json.dumps({"score": 1, "metrics": {"status": status, "code": answer.get("error", {}).get("code")}}))
        """#

    /// Tries everything but a chat completion to the run's model, then floods past its budget of 3 calls.
    static func hostile(port: Int) -> String {
        client + #"""
            results = {}
            results["env"] = " ".join(os.environ.get(k, "-") for k in ("EVOLVE_MODEL_SOCKET", "EVOLVE_MODEL", "EVOLVE_MODEL_CALLS"))
            results["key_in_environment"] = any(k.endswith("_API_KEY") or v.startswith("sk-") for k, v in os.environ.items())
            results["other_path"] = outcome("POST", "/v1/embeddings", CHAT)
            results["model_list"] = outcome("GET", "/v1/models")
            results["get"] = outcome("GET", "/v1/chat/completions")
            results["own_key"] = outcome("POST", "/v1/chat/completions", CHAT, {"Content-Type": "application/json", "Authorization": "Bearer sk-candidate-own-key"})
            results["azure_key"] = outcome("POST", "/v1/chat/completions", CHAT, {"Content-Type": "application/json", "api-key": "candidate"})
            results["other_model"] = outcome("POST", "/v1/chat/completions", dict(CHAT, model="gpt-4o"))
            results["stream"] = outcome("POST", "/v1/chat/completions", dict(CHAT, stream=True))
            results["huge"] = outcome("POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": "x" * (1 << 20)}]})
            results["not_json"] = outcome("POST", "/v1/chat/completions", "hello")
            results["flood"] = " ".join(outcome("POST", "/v1/chat/completions", CHAT).split()[0] for _ in range(5))
            tcp = []
            for host, port in (("127.0.0.1", \#(port)), ("10.0.2.2", \#(port)), ("192.0.2.1", 80)):
                s = socket.socket()
                s.settimeout(2)
                try:
                    s.connect((host, port))
                    tcp.append("CONNECTED")
                except OSError:
                    tcp.append("refused")
                s.close()
            results["tcp"] = " ".join(tcp)
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect("/problem/private/side.sock")
                results["side_socket"] = "CONNECTED"
            except OSError:
                results["side_socket"] = "refused"
            print(json.dumps({"score": 1, "metrics": results}))
            """#
    }
}
