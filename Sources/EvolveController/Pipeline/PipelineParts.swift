import EvolveCore
import EvolveDatabase
import EvolveLLM
import Logging
import Metrics

/// What `RunBuilder` builds and hands to the controller: the model client with retries and fault
/// recording wired (once, for every client shape: record, replay, ensemble), the event bus the
/// faults go to, and the search features as components, each owning its own state.
struct PipelineParts: Sendable {
    /// The run's model client: retrying transient failures, each stored and emitted.
    var llm: any LLMClient
    var events: EventBus
    /// `search.mutations`; nil when off.
    var mutations: MutationPlanner?
    /// `search.meta_prompt`; nil when off.
    var metaPrompt: MetaPrompt?
    /// `search.novelty`; nil when off.
    var novelty: NoveltyFilter?

    init(problem: Problem, llm: any LLMClient, store: any ProgramStore, settings: RunSettings, logger: Logger) {
        let events = EventBus()
        let client = Self.retrying(llm, store: store, events: events, retries: settings.requestRetries)
        let search = problem.configuration.search
        self.llm = client
        self.events = events
        mutations = MutationPlanner(search, mode: problem.configuration.mode)
        metaPrompt = search.metaPrompt.map { meta in
            let book = InstructionBook(
                store: store as? any InstructionStore, defaultText: PromptBuilder(problem: problem).instructions, variants: meta.variants,
                logger: logger)
            return MetaPrompt(
                meta, instructions: book, llm: client, options: settings.generation, description: problem.configuration.description,
                iterations: settings.iterations, logger: logger)
        }
        novelty = NoveltyFilter(
            search.novelty, llm: client, options: settings.generation, language: problem.configuration.language, logger: logger)
    }

    /// `llm` retrying transient failures; each failure, and each failover from one ensemble
    /// member to another (through any wrapper: under `llm.record` or `llm.replay` an ensemble is
    /// wrapped), is stored and emitted. The request that failed waits until its fault is stored,
    /// so faults are stored in order.
    static func retrying(_ llm: any LLMClient, store: any ProgramStore, events: EventBus, retries: Int) -> any LLMClient {
        let recordFault: @Sendable (LLMFault) async -> Void = { fault in
            try? await store.recordFault(model: fault.model, kind: fault.kind, message: fault.message, willRetry: fault.willRetry)
            events.emit(.modelFault(fault))
            Counter(label: "evolve.model_faults", dimensions: [("kind", fault.kind)]).increment()
        }
        llm.observeFaults(recordFault)
        return RetryingClient(llm, maxAttempts: retries + 1, onFault: recordFault)
    }
}
