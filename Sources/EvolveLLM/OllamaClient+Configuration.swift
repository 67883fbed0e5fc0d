import EvolveCore

extension OllamaClient {
    /// Everything an Ollama client is made with. Defaults are evolve.yaml's (`LLMConfiguration`),
    /// declared there once.
    public struct Configuration: Sendable, Hashable {
        /// The server's base URL, e.g. `http://localhost:11434`.
        public var endpoint: String
        public var model: String
        /// Whether answers are streamed (NDJSON chunks) or returned whole.
        public var stream: Bool
        /// Seconds allowed for one request, from sending it to the last byte of the answer.
        public var timeout: Double
        /// Seconds a streamed answer may go without a byte before the request counts as stalled.
        public var stallTimeout: Double

        public init(
            endpoint: String, model: String, stream: Bool = LLMConfiguration().stream, timeout: Double = LLMConfiguration().timeout,
            stallTimeout: Double = LLMConfiguration().stallTimeout
        ) {
            self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
            self.model = model
            self.stream = stream
            self.timeout = timeout
            self.stallTimeout = stallTimeout
        }

        /// The settings of evolve.yaml's `llm` section (`model`, `stream`, `timeout`, `stall_timeout`),
        /// for the server at `endpoint`.
        public init(endpoint: String, _ llm: LLMConfiguration) {
            self.init(endpoint: endpoint, model: llm.model, stream: llm.stream, timeout: llm.timeout, stallTimeout: llm.stallTimeout)
        }
    }
}
