import EvolveCore
import Foundation
import Testing

@Suite("llm.record and llm.replay in evolve.yaml")
struct RecordReplayConfigurationTests {
    static let files = ["initial_program.py": ConfigurationTests.program, "evaluate.py": "print('{\"score\": 1}')\n"]

    @Test("the keys are read; replay_fallthrough defaults to false")
    func keysAreRead() throws {
        var files = Self.files
        files["evolve.yaml"] = "llm:\n  record: answers\n  replay: /tmp/recorded\n"
        let llm = try withProblemDirectory(files) { try Problem.load(from: $0).configuration.llm }
        #expect(llm.record == "answers")
        #expect(llm.replay == "/tmp/recorded")
        #expect(llm.replayFallthrough == false)
        #expect(LLMConfiguration().record == nil && LLMConfiguration().replay == nil)
    }

    @Test("replay_fallthrough without replay, a misspelt key and an empty path are refused, naming the key",
          arguments: [
            ("llm:\n  replay_fallthrough: true\n", "replay_fallthrough needs llm.replay"),
            ("llm:\n  replay_fallthru: true\n", "did you mean `replay_fallthrough`?"),
            ("llm:\n  record: ''\n", "record must name a directory"),
          ])
    func refused(yaml: String, message: String) throws {
        var files = Self.files
        files["evolve.yaml"] = yaml
        try withProblemDirectory(files) { directory in
            let error = #expect(throws: ConfigurationError.self) { try Problem.load(from: directory) }
            #expect(error?.description.contains(message) == true, "\(error?.description ?? "")")
        }
    }
}
