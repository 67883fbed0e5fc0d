import EvolveCore
import Foundation

/// What the model gateway answers to one HTTP request, apart from the socket it came on: the only
/// request forwarded is `POST /v1/chat/completions` with a JSON chat-completions body, no key of
/// its own, the run's model (or none named) and no streaming, while the evaluation has calls and
/// tokens left. Everything else gets an OpenAI-style JSON error with a 4xx status, recorded with
/// the evaluation (`ModelGatewayUsage.refusals`).
struct GatewayExchange: Sendable {
    static let path = "/v1/chat/completions"

    var model: any GatewayModel
    /// Takes the run's key values out of whatever goes back into the sandbox.
    var scrubber: SecretScrubber

    /// One HTTP request as the server read it.
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: [(name: String, value: String)]
        var body: Data
        /// The body was longer than the gateway reads (what was read is not kept).
        var tooLarge: Bool = false
    }

    /// The HTTP answer.
    struct Reply: Sendable {
        var status: Int
        var body: Data
        var headers: [(name: String, value: String)] = []
    }

    func answer(_ request: Request, session: GatewaySession) async -> Reply {
        switch await forward(request, session: session) {
        case .success(let reply):
            return reply
        case .failure(let refusal):
            var refusal = refusal
            refusal.message = scrubber.scrub(refusal.message)
            session.refuse(refusal)
            var reply = Self.error(refusal.kind.status, code: refusal.kind.rawValue, refusal.message)
            reply.headers += Self.budgetHeaders(session)
            return reply
        }
    }

    private func forward(_ request: Request, session: GatewaySession) async -> Result<Reply, ModelGatewayUsage.Refusal> {
        let path = String(request.uri.prefix { $0 != "?" && $0 != "#" })
        guard path == Self.path else {
            return .failure(.init(kind: .path, message: "the model gateway serves only POST \(Self.path), not \(Self.shown(path))"))
        }
        guard request.method == "POST" else {
            return .failure(.init(kind: .method, message: "the model gateway serves only POST \(Self.path), not \(Self.shown(request.method))"))
        }
        if let header = Self.credentialHeader(request.headers) {
            return .failure(.init(
                kind: .credentials,
                message: "the model gateway takes no API key (the request's \(header) header carried one): the run's own credentials stay on the host; send none"))
        }
        if request.tooLarge {
            return .failure(.init(kind: .tooLarge, message: "the request body is longer than the \(ModelGateway.bodyLimit >> 10) KiB the model gateway reads"))
        }
        let body: ChatRequest
        do {
            body = try JSONDecoder().decode(ChatRequest.self, from: request.body)
        } catch let error as ChatRequest.Unsupported {
            return .failure(.init(kind: .unsupported, message: error.message))
        } catch {
            return .failure(.init(kind: .badRequest, message: "the body is not a chat-completions request: \(Self.describe(error))"))
        }
        if let unsupported = body.unsupported {
            return .failure(.init(kind: .unsupported, message: unsupported))
        }
        if let name = body.model, !name.isEmpty, !model.names.contains(name) {
            return .failure(.init(
                kind: .model,
                message: "the model gateway serves only the run's model (\(model.names.map(Self.shown).joined(separator: ", "))), not \(Self.shown(name))"))
        }
        let estimate = body.messages.reduce(0) { $0 + GatewaySession.estimateTokens($1.content) + 4 }
        let admission: GatewaySession.Admission
        switch session.admit(promptEstimate: estimate, requested: body.maxTokens, limit: model.maxTokens) {
        case .success(let admitted): admission = admitted
        case .failure(let refusal): return .failure(refusal)
        }
        let completion: GatewayCompletion
        do {
            completion = try await model.complete(GatewayCompletionRequest(
                messages: body.messages, temperature: body.temperature, topP: body.topP, seed: body.seed, maxTokens: admission.maxTokens))
        } catch {
            session.finish(admission, with: nil)
            if error is CancellationError || Task.isCancelled {
                return .failure(.init(kind: .modelError, message: "the evaluation ended (its wall clock ran out, or the run stopped) before the model answered"))
            }
            return .failure(.init(kind: .modelError, message: "the model failed: \(error)"))
        }
        session.finish(admission, with: completion)
        let usage = (
            prompt: completion.promptTokens ?? admission.promptEstimate,
            answer: completion.completionTokens ?? GatewaySession.estimateTokens(completion.text))
        let reply = ChatCompletionReply(
            id: "chatcmpl-evolve-\(UInt64.random(in: 0...UInt64.max) & 0xFFFF_FFFF_FFFF)", created: Int(Date().timeIntervalSince1970),
            model: completion.model,
            choices: [.init(message: .init(content: scrubber.scrub(completion.text)), finishReason: completion.finishReason ?? "stop")],
            usage: .init(promptTokens: usage.prompt, completionTokens: usage.answer, totalTokens: usage.prompt + usage.answer))
        let data = Self.json(reply)
        return .success(Reply(status: 200, body: data, headers: Self.budgetHeaders(session)))
    }

    /// The name of a header that carries a key of the candidate's own: `Authorization` with
    /// anything after its scheme (`Bearer` alone is let through, for clients that always send
    /// one), `api-key` (Azure's), `x-api-key` (Anthropic's) with any value.
    static func credentialHeader(_ headers: [(name: String, value: String)]) -> String? {
        for (name, value) in headers {
            switch name.lowercased() {
            case "authorization", "proxy-authorization":
                let words = value.split(whereSeparator: \.isWhitespace)
                if words.count > 1 || (words.count == 1 && words[0].lowercased() != "bearer") { return name }
            case "api-key", "x-api-key":
                return name
            default: continue
            }
        }
        return nil
    }

    /// What the evaluation has left, on every answer: `x-evolve-calls-left`, `x-evolve-tokens-left`.
    static func budgetHeaders(_ session: GatewaySession) -> [(name: String, value: String)] {
        let left = session.left
        return [("x-evolve-calls-left", "\(left.calls)"), ("x-evolve-tokens-left", "\(left.tokens)")]
    }

    /// An OpenAI-style error body.
    static func error(_ status: Int, code: String, _ message: String) -> Reply {
        Reply(status: status, body: json(ErrorReply(error: .init(message: message, code: code))))
    }

    /// `value` as JSON with sorted, snake-case keys.
    static func json(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }

    /// A value the candidate sent, quoted and cut short for a message.
    static func shown(_ text: String) -> String {
        "`" + String(text.prefix(80)).replacingOccurrences(of: "`", with: "'") + "`" + (text.count > 80 ? "…" : "")
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "it has no `\(key.stringValue)`"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "`\(context.codingPath.map(\.stringValue).joined(separator: "."))` has the wrong type"
        case DecodingError.dataCorrupted(let context):
            return context.codingPath.isEmpty ? "it is not JSON" : "`\(context.codingPath.map(\.stringValue).joined(separator: "."))`: \(context.debugDescription)"
        default: return "\(error)"
        }
    }
}

/// The part of a chat-completions body the gateway reads; other fields are ignored, except those
/// that would change what is asked for and cannot be forwarded (`unsupported`).
struct ChatRequest: Decodable {
    struct Unsupported: Error { var message: String }

    var model: String?
    var messages: [GatewayMessage]
    var temperature: Double?
    var topP: Double?
    var seed: Int?
    var maxTokens: Int?
    /// Why the request cannot be forwarded as it is, when it cannot.
    var unsupported: String?

    enum CodingKeys: String, CodingKey {
        case model, messages, temperature, seed, stream, n, tools, functions
        case topP = "top_p"
        case maxTokens = "max_tokens"
        case maxCompletionTokens = "max_completion_tokens"
        case responseFormat = "response_format"
        case toolChoice = "tool_choice"
        case functionCall = "function_call"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        messages = try c.decode([Message].self, forKey: .messages).map(\.message)
        guard !messages.isEmpty else {
            throw DecodingError.dataCorruptedError(forKey: .messages, in: c, debugDescription: "there are no messages")
        }
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature).map { min(max($0, 0), 2) }
        topP = try c.decodeIfPresent(Double.self, forKey: .topP)
        seed = try c.decodeIfPresent(Int.self, forKey: .seed)
        let asked = try c.decodeIfPresent(Int.self, forKey: .maxCompletionTokens) ?? c.decodeIfPresent(Int.self, forKey: .maxTokens)
        if let asked, asked < 1 {
            throw DecodingError.dataCorruptedError(forKey: .maxTokens, in: c, debugDescription: "max_tokens must be at least 1")
        }
        maxTokens = asked
        if try c.decodeIfPresent(Bool.self, forKey: .stream) == true {
            unsupported = "stream: true is not served: the model gateway answers whole (ask with stream: false or without it)"
        } else if let n = try c.decodeIfPresent(Int.self, forKey: .n), n != 1 {
            unsupported = "n: \(n) is not served: the model gateway answers one choice per request"
        } else if let key = [CodingKeys.tools, .functions, .toolChoice, .functionCall, .responseFormat].first(where: c.contains) {
            unsupported = "`\(key.stringValue)` is not served: the model gateway forwards messages and sampling settings only"
        }
    }

    /// One message: its content a string or a list of text parts.
    struct Message: Decodable {
        var message: GatewayMessage

        enum CodingKeys: String, CodingKey { case role, content }
        struct Part: Decodable {
            var type: String
            var text: String?
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let role = try c.decode(String.self, forKey: .role)
            let mapped: GatewayMessage.Role
            switch role {
            case "system", "developer": mapped = .system
            case "user": mapped = .user
            case "assistant": mapped = .assistant
            default: throw Unsupported(message: "messages of role `\(role.prefix(40))` are not served: only system, developer, user and assistant")
            }
            let content: String
            if let text = try? c.decode(String.self, forKey: .content) {
                content = text
            } else {
                let parts = try c.decode([Part].self, forKey: .content)
                guard parts.allSatisfy({ $0.type == "text" && $0.text != nil }) else {
                    throw Unsupported(message: "only text content parts are served, not \(parts.map(\.type).filter { $0 != "text" }.first ?? "an empty part")")
                }
                content = parts.compactMap(\.text).joined(separator: "\n")
            }
            message = GatewayMessage(role: mapped, content: content)
        }
    }
}

/// The chat-completions answer the gateway sends back, in OpenAI's shape.
struct ChatCompletionReply: Encodable {
    struct Choice: Encodable {
        var index = 0
        var message: Message
        var finishReason: String
    }

    struct Message: Encodable {
        var role = "assistant"
        var content: String
    }

    struct Usage: Encodable {
        var promptTokens: Int
        var completionTokens: Int
        var totalTokens: Int
    }

    var id: String
    var object = "chat.completion"
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: Usage
}

/// An OpenAI-style error answer: `{"error": {"message", "type", "code", "param": null}}`.
struct ErrorReply: Encodable {
    struct Body: Encodable {
        var message: String
        var type = "evolve_gateway"
        var code: String

        enum CodingKeys: String, CodingKey { case message, type, code, param }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(message, forKey: .message)
            try container.encode(type, forKey: .type)
            try container.encode(code, forKey: .code)
            try container.encodeNil(forKey: .param)
        }
    }

    var error: Body
}
