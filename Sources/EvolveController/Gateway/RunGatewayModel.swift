import EvolveCore
import EvolveLLM
import EvolveSandbox

/// The run's model as the model gateway for evaluators reaches it: the run's own client (with
/// its retries, fault recording, record and replay), with the run's sampling settings except
/// those the evaluator's request sets.
struct RunGatewayModel: GatewayModel {
    var llm: any LLMClient
    var options: GenerationOptions
    let names: [String]

    /// `names`: the client's model first (what `EVOLVE_MODEL` says), then an ensemble's members.
    init(llm: any LLMClient, configuration: LLMConfiguration) {
        self.llm = llm
        self.options = GenerationOptions(configuration)
        var names = [llm.model]
        for member in configuration.models.map(\.model) where !names.contains(member) { names.append(member) }
        self.names = names
    }

    var maxTokens: Int { options.maxTokens }

    func complete(_ request: GatewayCompletionRequest) async throws -> GatewayCompletion {
        var options = self.options
        options.temperature = request.temperature ?? options.temperature
        options.topP = request.topP ?? options.topP
        options.seed = request.seed ?? options.seed
        options.maxTokens = request.maxTokens
        let messages = request.messages.map { message in
            ChatMessage(ChatMessage.Role(rawValue: message.role.rawValue) ?? .user, message.content)
        }
        let response = try await llm.chat(messages, options: options)
        return GatewayCompletion(
            text: response.text, model: response.model, promptTokens: response.promptTokens, completionTokens: response.completionTokens,
            finishReason: response.finishReason, cost: response.cost)
    }
}

extension Evaluator {
    /// The evaluator with the model gateway `evaluator.model` asks for, reaching the run's model through `llm`.
    func withGateway(_ configuration: ProblemConfiguration, llm: any LLMClient) -> Evaluator {
        guard let budget = configuration.evaluator.model else { return self }
        var evaluator = self
        evaluator.gateway = ModelGateway(model: RunGatewayModel(llm: llm, configuration: configuration.llm), budget: budget)
        return evaluator
    }
}
