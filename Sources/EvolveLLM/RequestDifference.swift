import Foundation

/// Says where a request departs from the recorded request closest to it, for replay misses.
enum RequestDifference {
    static func closest(to request: RecordedRequest, among recorded: [RecordedRequest]) -> String {
        let candidates = recorded.filter { $0.model == request.model }
        guard !candidates.isEmpty else {
            let models = Set(recorded.map(\.model)).sorted().joined(separator: ", ")
            return "no request to the model \(request.model) was recorded (recorded: \(models.isEmpty ? "none" : models))"
        }
        let best = candidates.max { sharedPrefix(request, $0) < sharedPrefix(request, $1) }!
        let shared = sharedPrefix(request, best)
        if shared == request.messages.count, shared == best.messages.count {
            return "the closest recorded request \(best.key.prefix(16)) has the same messages but other options "
                + "(temperature \(best.temperature), top_p \(best.topP.map { "\($0)" } ?? "unset"), seed \(best.seed.map { "\($0)" } ?? "unset"), max_tokens \(best.maxTokens))"
        }
        guard shared < request.messages.count, shared < best.messages.count else {
            return "the closest recorded request \(best.key.prefix(16)) has \(best.messages.count) messages, this one \(request.messages.count)"
        }
        let (now, then) = (request.messages[shared], best.messages[shared])
        return "the closest recorded request \(best.key.prefix(16)) first differs at message \(shared + 1) (\(now.role.rawValue)): "
            + "recorded `\(excerpt(then.content, from: now.content))`, now `\(excerpt(now.content, from: then.content))`"
    }

    private static func sharedPrefix(_ a: RecordedRequest, _ b: RecordedRequest) -> Int {
        zip(a.messages, b.messages).prefix { $0 == $1 }.count
    }

    /// About 80 characters of `text` from shortly before where it departs from `other`.
    static func excerpt(_ text: String, from other: String) -> String {
        let common = zip(text, other).prefix { $0 == $1 }.count
        let start = text.index(text.startIndex, offsetBy: max(0, common - 20))
        let piece = text[start...].prefix(80).replacingOccurrences(of: "\n", with: "⏎")
        return (start > text.startIndex ? "…" : "") + piece
    }
}
