import EvolveCore
import Foundation

extension OpenAIClient {
    /// Everything an OpenAI-compatible client is made with. Defaults are evolve.yaml's
    /// (`LLMConfiguration`), declared there once.
    public struct Configuration: Sendable, Hashable {
        /// The base URL including the API version path, e.g. `http://localhost:8000/v1`.
        public var endpoint: String
        public var model: String
        /// Sent as a bearer token; nil or empty sends none.
        public var apiKey: String?
        public var stream: Bool
        /// Seconds allowed for one request, from sending it to the last byte of the answer.
        public var timeout: Double
        /// Seconds a streamed answer may go without a byte before the request counts as stalled.
        public var stallTimeout: Double

        public init(
            endpoint: String, model: String, apiKey: String? = nil, stream: Bool = LLMConfiguration().stream,
            timeout: Double = LLMConfiguration().timeout, stallTimeout: Double = LLMConfiguration().stallTimeout
        ) {
            var base = endpoint.trimmingCharacters(in: .whitespaces)
            while base.hasSuffix("/") { base.removeLast() }
            self.endpoint = base
            self.model = model
            self.apiKey = apiKey.flatMap { $0.isEmpty ? nil : $0 }
            self.stream = stream
            self.timeout = timeout
            self.stallTimeout = stallTimeout
        }

        /// The settings of evolve.yaml's `llm` section (`model`, `stream`, `timeout`, `stall_timeout`),
        /// for the server at `endpoint`.
        public init(endpoint: String, apiKey: String?, _ llm: LLMConfiguration) {
            self.init(
                endpoint: endpoint, model: llm.model, apiKey: apiKey, stream: llm.stream, timeout: llm.timeout,
                stallTimeout: llm.stallTimeout)
        }
    }
}
