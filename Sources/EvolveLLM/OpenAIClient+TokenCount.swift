import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Which tokenizer endpoint an OpenAI-compatible server has, learned once from the first answer
/// that came without usage.
final class TokenizerRoute: Sendable {
    enum Route: Sendable, Equatable {
        /// llama.cpp's server: `POST /tokenize {"content": ...}` → `{"tokens": [...]}`.
        case llamaCpp
        /// llama-cpp-python's server: `POST /extras/tokenize/count {"input": ...}` → `{"count": n}`.
        case llamaCppPython
        /// Neither: token counts are estimated from the length of the text.
        case unavailable
    }

    let known = Mutex<Route?>(nil)
}

extension OpenAIClient {
    /// Fills in token counts the server did not send: from its tokenizer endpoint if it has one,
    /// else an estimate of one token per four characters, marked as estimated. Prompt counts from
    /// a tokenizer cover the messages' text, not the few tokens the chat template adds to each.
    func countMissingTokens(_ response: inout ChatResponse, messages: [ChatMessage]) async {
        guard response.promptTokens == nil || response.completionTokens == nil else { return }
        let prompt = messages.map(\.content).joined(separator: "\n")
        if let promptCount = await tokenize(prompt), let completionCount = await tokenize(response.text) {
            response.promptTokens = response.promptTokens ?? promptCount
            response.completionTokens = response.completionTokens ?? completionCount
            return
        }
        response.promptTokens = response.promptTokens ?? Self.estimateTokens(prompt)
        response.completionTokens = response.completionTokens ?? Self.estimateTokens(response.text)
        response.tokensEstimated = true
    }

    /// One token per four characters, at least one.
    static func estimateTokens(_ text: String) -> Int {
        max(1, (text.count + 3) / 4)
    }

    /// The server's root: the endpoint without its `/v1`.
    var serverRoot: String {
        var root = endpoint
        while root.hasSuffix("/") { root.removeLast() }
        if root.hasSuffix("/v1") { root.removeLast(3) }
        return root
    }

    /// The number of tokens in `text` by the server's tokenizer, or nil if it has none or it failed.
    private func tokenize(_ text: String) async -> Int? {
        switch tokenizerRoute.known.withLock({ $0 }) {
        case .unavailable?:
            return nil
        case let route?:
            return try? await tokenize(text, route: route)
        case nil:
            for route in [TokenizerRoute.Route.llamaCpp, .llamaCppPython] {
                if let count = try? await tokenize(text, route: route) {
                    tokenizerRoute.known.withLock { $0 = route }
                    return count
                }
            }
            tokenizerRoute.known.withLock { $0 = TokenizerRoute.Route.unavailable }
            return nil
        }
    }

    private func tokenize(_ text: String, route: TokenizerRoute.Route) async throws -> Int? {
        struct Tokens: Decodable { var tokens: [Int]?; var count: Int? }
        let (path, field) = route == .llamaCpp ? ("/tokenize", "content") : ("/extras/tokenize/count", "input")
        var request = HTTPClientRequest(url: serverRoot + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode([field: text])))
        let response = try await httpClient.execute(request, timeout: .seconds(10), logger: logger)
        let body = try await response.body.collect(upTo: 16 << 20)
        guard response.status == .ok else { return nil }
        let decoded = try JSONDecoder().decode(Tokens.self, from: Data(body.readableBytesView))
        return decoded.count ?? decoded.tokens?.count
    }
}
