import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("API key values never reach the store")
struct SecretScrubbingTests {
    @Test("an evaluator that prints the value of llm.api_key_env: every stored result holds [redacted], and the next prompt too")
    func storedResultsAreScrubbed() async throws {
        let (directory, base, _) = try slowKnapsack(sleep: 0, iterations: 2, modelConcurrency: 1, evaluationConcurrency: 1)
        defer { directory.remove() }
        let variable = "EVOLVE_TEST_KEY_\(UUID().uuidString.prefix(8))"
        let key = "sk-stored-\(UUID().uuidString)"
        setenv(variable, key, 1)
        defer { unsetenv(variable) }
        var problem = base
        problem.configuration.llm.apiKeyEnv = variable
        // The evaluator prints the key, then scores as usual; a candidate that breaks fails with it in its reason.
        try directory.write(["leaky.py": """
            import runpy, sys
            print("using key \(key)")
            print("key \(key) rejected", file=sys.stderr)
            sys.argv = ['evaluate.py', sys.argv[1]]
            runpy.run_path('evaluate.py', run_name='__main__')
            """])
        problem.configuration.evaluator.command = .shell("python3 leaky.py {program}")
        let server = try await LoopbackLLMServer.start { .answer(KnapsackAnswers.variant($0.index)) }
        let store = try await SQLiteProgramStore(path: directory.url.appendingPathComponent("run.sqlite").path)
        let controller = Controller(
            problem: problem, llm: OllamaClient(configuration: .init(endpoint: server.url, model: LLMConfiguration.defaultModel), logger: testLogger), sandbox: ProcessSandbox(configuration: .init(), logger: testLogger),
            store: store, settings: RunSettings(problem.configuration), logger: testLogger)
        _ = try await controller.run(runDirectory: directory.url.path)
        await server.shutdown()

        let programs = try await SQLiteProgramStore(path: directory.url.appendingPathComponent("run.sqlite").path, readOnly: true).allPrograms()
        #expect(programs.count >= 2)
        for program in programs {
            let result = program.result
            let stored = [result.stdoutTail, result.stderrTail, result.failureReason ?? "", "\(result.metrics)", "\(result.artifacts)"].joined()
            #expect(!stored.contains(key), "program \(program.id) holds the key")
            #expect(result.stdoutTail.contains("using key [redacted]"), "\(result.stdoutTail)")
        }
        #expect(!server.requests.contains { $0.messages.contains { $0.content.contains(key) } }, "a prompt held the key")
    }
}
