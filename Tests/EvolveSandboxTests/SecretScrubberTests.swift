import EvolveCore
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

@Suite("API key values are scrubbed from evaluation results")
struct SecretScrubberTests {
    static let key = "sk-evolve-test-" + UUID().uuidString

    @Test("the values of llm.api_key_env, each member's api_key_env and OPENAI_API_KEY are the secrets; short ones are not")
    func secretsFromConfiguration() {
        var llm = LLMConfiguration(apiKeyEnv: "MY_KEY")
        llm.models = [EnsembleMemberConfiguration(model: "m", apiKeyEnv: "MEMBER_KEY")]
        let scrubber = SecretScrubber(
            llm: llm, environment: ["MY_KEY": "aaaaaaaaaa1", "MEMBER_KEY": "bbbbbbbbbb2", "OPENAI_API_KEY": "cccccccccc3", "OTHER": "dddddddddd4", "SHORT": "x"])
        #expect(Set(scrubber.secrets) == ["aaaaaaaaaa1", "bbbbbbbbbb2", "cccccccccc3"])
        #expect(SecretScrubber(llm: LLMConfiguration(), environment: ["OPENAI_API_KEY": "ollama"]).secrets.isEmpty)
    }

    @Test("a tail that starts inside a key loses that part too")
    func tails() {
        let scrubber = SecretScrubber(secrets: [Self.key])
        #expect(scrubber.scrubTail(String(Self.key.suffix(20)) + " and more") == "[redacted] and more")
        #expect(scrubber.scrubTail("x " + Self.key + " y") == "x [redacted] y")
        #expect(scrubber.scrubTail("nothing here") == "nothing here")
    }

    @Test("an evaluator that prints a key value: tails, failure reason, metrics and artifacts hold [redacted]")
    func evaluatorPrintsKey() async throws {
        let fixture = try SandboxFixture(files: [
            "evolve.yaml": "program: candidate.py\nevaluator:\n  command: python3 evaluate.py {program}\n",
            "candidate.py": "x = 1\n",
            "evaluate.py": """
                import json, sys
                key = "\(Self.key)"
                print("connecting with", key)
                print("auth failed for", key, file=sys.stderr)
                print(json.dumps({"score": 1, "metrics": {"note": "key=" + key}, "artifacts": {"log": ["used " + key], key: 1}}))
                """,
            "fail.py": "import sys\nprint('bad key \(Self.key)', file=sys.stderr)\nsys.exit(3)\n",
        ])
        defer { fixture.remove() }
        let problem = try Problem.load(from: fixture.problem.url)
        let evaluator = Evaluator(sandbox: fixture.sandbox, problem: problem, scrubber: SecretScrubber(secrets: [Self.key]))
        let result = try await evaluator.evaluate("x = 2\n")
        #expect(result.status == .success, "\(result.failureReason ?? "")")
        let everything = [result.stdoutTail, result.stderrTail, "\(result.metrics)", "\(result.artifacts)"].joined()
        #expect(!everything.contains(Self.key))
        #expect(result.stdoutTail.contains("connecting with [redacted]"))
        #expect(result.stderrTail.contains("auth failed for [redacted]"))
        #expect(result.metrics["note"] == .string("key=[redacted]"))

        var failing = evaluator
        failing.stages = [EvaluationStage(name: "final", command: .shell("python3 fail.py {program}"))]
        let failed = try await failing.evaluate("x = 2\n")
        #expect(failed.status == .crashed)
        #expect(failed.failureReason?.contains("bad key [redacted]") == true, "\(failed.failureReason ?? "")")
        #expect(!(failed.failureReason ?? "").contains(Self.key))
    }
}
