import EvolveCore
import Foundation

/// Where the Ollama server is. Precedence, as in Ollama's own tools plus Evolve's flag and file:
/// the `--ollama-url` flag, then the `OLLAMA_HOST` environment variable, then `llm.url` in
/// evolve.yaml, then `http://localhost:11434`.
public enum OllamaEndpoint {
    public static let defaultPort = 11434

    public static func resolve(flag: String?, environment: [String: String], configured: String?) -> String {
        for candidate in [flag, environment["OLLAMA_HOST"], configured] {
            if let candidate, !unquoted(candidate).isEmpty {
                return normalize(candidate)
            }
        }
        return LLMConfiguration.defaultOllamaURL
    }

    /// Reads an address the way Ollama reads `OLLAMA_HOST`: surrounding quotes and spaces are
    /// dropped; without a scheme it is `http` on port 11434, while an explicit `http://` or
    /// `https://` defaults to port 80 or 443; a bad port falls back to the default; IPv6 hosts
    /// are bracketed. `0.0.0.0` (a listen address) becomes `127.0.0.1`, where the server answers.
    public static func normalize(_ value: String) -> String {
        var text = unquoted(value)
        var scheme = "http"
        var port = String(defaultPort)
        if let range = text.range(of: "://") {
            scheme = String(text[..<range.lowerBound]).lowercased()
            text = String(text[range.upperBound...])
            port = scheme == "https" ? "443" : "80"
        }
        var path = ""
        if let slash = text.firstIndex(of: "/") {
            path = String(text[slash...])
            text = String(text[..<slash])
        }
        if path == "/" { path = "" }
        var host = text
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            let after = text[text.index(after: close)...]
            if after.hasPrefix(":") { port = validPort(String(after.dropFirst())) ?? port }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            host = String(text[..<colon])
            port = validPort(String(text[text.index(after: colon)...])) ?? String(defaultPort)
        }
        if host.isEmpty || host == "0.0.0.0" { host = "127.0.0.1" }
        if host == "::" { host = "::1" }
        if host.contains(":") { host = "[\(host)]" }
        return "\(scheme)://\(host):\(port)\(path)"
    }

    private static func unquoted(_ value: String) -> String {
        value.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            .trimmingCharacters(in: .whitespaces)
    }

    private static func validPort(_ text: String) -> String? {
        guard let number = Int(text), (0...65535).contains(number) else { return nil }
        return String(number)
    }
}
