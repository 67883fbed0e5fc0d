import EvolveCore
import Foundation

/// Where the Ollama server is. Precedence, as in Ollama's own tools plus Evolve's flag and file:
/// the `--ollama-url` flag, then the `OLLAMA_HOST` environment variable, then `llm.url` in
/// evolve.yaml, then `http://localhost:11434`.
public enum OllamaEndpoint {
    public static let defaultPort = 11434

    public static func resolve(flag: String?, environment: [String: String], configured: String?) -> String {
        for candidate in [flag, environment["OLLAMA_HOST"], configured] {
            if let candidate, !candidate.trimmingCharacters(in: .whitespaces).isEmpty {
                return normalize(candidate)
            }
        }
        return LLMConfiguration.defaultOllamaURL
    }

    /// Accepts `host`, `host:port`, `:port` or a full URL, as `OLLAMA_HOST` does.
    public static func normalize(_ value: String) -> String {
        var text = value.trimmingCharacters(in: .whitespaces)
        var scheme = "http"
        if let range = text.range(of: "://") {
            scheme = String(text[..<range.lowerBound])
            text = String(text[range.upperBound...])
        }
        var path = ""
        if let slash = text.firstIndex(of: "/") {
            path = String(text[slash...])
            text = String(text[..<slash])
        }
        if path == "/" { path = "" }
        var host = text
        var port: String?
        if let colon = text.lastIndex(of: ":"), !text.hasSuffix("]") {
            host = String(text[..<colon])
            port = String(text[text.index(after: colon)...])
        }
        if host.isEmpty { host = "127.0.0.1" }
        if host == "0.0.0.0" { host = "127.0.0.1" }
        let defaultPort = scheme == "https" ? "443" : String(defaultPort)
        return "\(scheme)://\(host):\(port.flatMap { $0.isEmpty ? nil : $0 } ?? defaultPort)\(path)"
    }
}
