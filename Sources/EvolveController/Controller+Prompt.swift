import EvolveLLM
import Logging

extension Controller {
    /// Logs what a prompt left out to fit `llm.context_length` (the prompt itself says so too, in
    /// its first line, so the attempt's stored transcript records it).
    nonisolated func noteTrimming(_ prompt: BuiltPrompt, iteration: Int) {
        guard !prompt.trimmed.isEmpty else { return }
        logger.info("prompt trimmed to fit llm.context_length", metadata: [
            "iteration": "\(iteration)", "prompt.left_out": "\(prompt.trimmed.joined(separator: ", "))",
            "prompt.tokens": "\(prompt.estimatedTokens) of \(prompt.tokenLimit)",
        ])
    }
}
