import EvolveCore
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

extension LoopbackLLMServer {
    /// How the server answers embedding requests.
    public enum Embeddings: Sendable {
        /// Hashed word counts in 64 dimensions: texts that share most words have a cosine near 1.
        case bagOfWords
        /// An HTTP error status, in the API's error format.
        case status(Int, String)
    }

    /// An embedding request as the server saw it.
    public struct EmbeddingRequest: Sendable {
        public var format: WireFormat
        public var model: String
        public var inputs: [String]
        public var authorization: String?
    }

    /// The embedding requests received so far, in order.
    public var embeddingRequests: [EmbeddingRequest] { embeddingLog.withLock { $0 } }

    /// Ollama's `{"model", "input": text or [texts]}` → `{"model", "embeddings": [[...]]}`, or
    /// OpenAI's `{"model", "input"}` → `{"object": "list", "data": [{"object": "embedding", "index", "embedding"}], ...}`.
    func embed(_ body: ByteBuffer, format: WireFormat, authorization: String?) -> (HTTPResponseStatus, String) {
        guard let object = try? JSONDecoder().decode([String: JSONValue].self, from: Data(String(buffer: body).utf8)),
            case .string(let model)? = object["model"]
        else { return (.badRequest, #"{"error":"invalid request body"}"#) }
        var inputs: [String] = []
        switch object["input"] {
        case .string(let text)?: inputs = [text]
        case .array(let items)?: inputs = items.compactMap { if case .string(let text) = $0 { return text } else { return nil } }
        default: return (.badRequest, #"{"error":"input is required"}"#)
        }
        embeddingLog.withLock { $0.append(EmbeddingRequest(format: format, model: model, inputs: inputs, authorization: authorization)) }
        if case .status(let code, let message) = embeddings {
            let error: JSONValue = format == .openai
                ? .object(["error": .object(["message": .string(message), "type": .string("server_error")])])
                : .object(["error": .string(message)])
            return (HTTPResponseStatus(statusCode: code), Self.json(error))
        }
        let vectors = inputs.map(Self.bagOfWords)
        let words = Double(inputs.reduce(0) { $0 + $1.split(whereSeparator: \.isWhitespace).count })
        let arrays = vectors.map { JSONValue.array($0.map(JSONValue.number)) }
        guard format == .openai else {
            return (.ok, Self.json(.object([
                "model": .string(model), "embeddings": .array(arrays),
                "total_duration": .number(1_000_000), "prompt_eval_count": .number(words),
            ])))
        }
        let data = arrays.enumerated().map {
            JSONValue.object(["object": .string("embedding"), "index": .number(Double($0.offset)), "embedding": $0.element])
        }
        return (.ok, Self.json(.object([
            "object": .string("list"), "data": .array(data), "model": .string(model),
            "usage": .object(["prompt_tokens": .number(words), "total_tokens": .number(words)]),
        ])))
    }

    /// Counts of each word (a run of letters, digits and `_`), hashed into 64 buckets.
    static func bagOfWords(_ text: String) -> [Double] {
        var vector = [Double](repeating: 0, count: 64)
        for word in text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }) {
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            for byte in word.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
            vector[Int(hash % 64)] += 1
        }
        return vector
    }

    private static func json(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
