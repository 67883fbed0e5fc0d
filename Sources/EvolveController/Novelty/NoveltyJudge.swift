import EvolveCore
import EvolveLLM
import Foundation

/// Asks a model whether a child above the similarity threshold is meaningfully different from
/// the program it resembles (`search.novelty.judge`).
struct NoveltyJudge: Sendable {
    var llm: any LLMClient
    var options: GenerationOptions
    var language: String

    /// True when the model says the child is meaningfully different; throws when the model
    /// fails or answers neither yes nor no.
    func isDifferent(child: String, from program: Program) async throws -> (Bool, ChatResponse) {
        let response = try await llm.chat(messages(child: child, existing: program.code), options: options)
        let word = response.text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            .prefix(while: { $0.isLetter })
        switch word {
        case "yes": return (true, response)
        case "no": return (false, response)
        default: throw JudgeError(message: "the novelty judge answered neither yes nor no: \(response.text.prefix(80))")
        }
    }

    func messages(child: String, existing: String) -> [ChatMessage] {
        let fence = "```" + language
        return [
            ChatMessage(.system, "You compare two versions of a program. Answer with one word: yes or no."),
            ChatMessage(.user, """
                Program A was already evaluated:
                \(fence)
                \(Program.noveltyText(existing))
                ```

                Program B is new:
                \(fence)
                \(Program.noveltyText(child))
                ```

                Is B meaningfully different from A: does it change what the program computes or how, \
                beyond renaming, comments or formatting? Answer yes or no.
                """),
        ]
    }
}

struct JudgeError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
