import EvolveCore
import EvolveLLM
import Testing

/// Where Evolve looks for the Ollama server.
@Suite struct OllamaEndpointTests {
    struct Sources: Sendable, CustomTestStringConvertible {
        var flag: String?
        var environment: [String: String]
        var configured: String?
        var expected: String
        var testDescription: String {
            "flag \(flag ?? "-"), OLLAMA_HOST \(environment["OLLAMA_HOST"] ?? "-"), yaml \(configured ?? "-") → \(expected)"
        }
    }

    static let precedence: [Sources] = [
        Sources(flag: "http://flag-host:1111", environment: ["OLLAMA_HOST": "env-host:2222"], configured: "http://yaml-host:3333", expected: "http://flag-host:1111"),
        Sources(flag: nil, environment: ["OLLAMA_HOST": "env-host:2222"], configured: "http://yaml-host:3333", expected: "http://env-host:2222"),
        Sources(flag: nil, environment: ["PATH": "/usr/bin"], configured: "http://yaml-host:3333", expected: "http://yaml-host:3333"),
        Sources(flag: nil, environment: [:], configured: nil, expected: "http://localhost:11434"),
        // A blank value counts as not set.
        Sources(flag: "  ", environment: ["OLLAMA_HOST": "env-host:2222"], configured: nil, expected: "http://env-host:2222"),
        Sources(flag: nil, environment: ["OLLAMA_HOST": ""], configured: "http://yaml-host:3333", expected: "http://yaml-host:3333"),
        Sources(flag: nil, environment: ["OLLAMA_HOST": ""], configured: "", expected: "http://localhost:11434"),
        // Whatever wins is normalized.
        Sources(flag: "gpu-box", environment: [:], configured: nil, expected: "http://gpu-box:11434"),
        Sources(flag: nil, environment: ["OLLAMA_HOST": "0.0.0.0"], configured: nil, expected: "http://127.0.0.1:11434"),
        Sources(flag: nil, environment: [:], configured: "https://models.example.com/", expected: "https://models.example.com:443"),
    ]

    @Test("flag > OLLAMA_HOST > evolve.yaml > default", arguments: precedence)
    func resolve(_ sources: Sources) {
        #expect(OllamaEndpoint.resolve(flag: sources.flag, environment: sources.environment, configured: sources.configured) == sources.expected)
    }

    @Test("the default is Ollama's standard address")
    func defaultAddress() {
        #expect(LLMConfiguration.defaultOllamaURL == "http://localhost:11434")
        #expect(OllamaEndpoint.defaultPort == 11434)
    }

    @Test(
        "OLLAMA_HOST-style values become a full URL",
        arguments: [
            ("127.0.0.1", "http://127.0.0.1:11434"),
            ("0.0.0.0:8080", "http://127.0.0.1:8080"),
            (":11500", "http://127.0.0.1:11500"),
            ("https://example.com", "https://example.com:443"),
            ("http://host:1234/", "http://host:1234"),
            ("localhost:11434", "http://localhost:11434"),
            ("localhost", "http://localhost:11434"),
            ("gpu-box.lan:9000", "http://gpu-box.lan:9000"),
            ("https://example.com:8443/", "https://example.com:8443"),
            ("http://proxy.lan:8080/ollama", "http://proxy.lan:8080/ollama"),
            ("  127.0.0.1:11500  ", "http://127.0.0.1:11500"),
            ("[::1]:11500", "http://[::1]:11500"),
            ("[::1]", "http://[::1]:11434"),
            ("0.0.0.0", "http://127.0.0.1:11434"),
        ])
    func normalize(value: String, expected: String) {
        #expect(OllamaEndpoint.normalize(value) == expected)
    }

    @Test("normalizing twice changes nothing", arguments: ["127.0.0.1", ":11500", "https://example.com", "http://host:1234/", "localhost"])
    func idempotent(value: String) {
        let once = OllamaEndpoint.normalize(value)
        #expect(OllamaEndpoint.normalize(once) == once)
    }

    /// Values that Ollama's own tools (`envconfig.Host()` in ollama/ollama, used by `ollama run`,
    /// `ollama list` and the server) read differently. Evolve's doc comment says it accepts them
    /// "as `OLLAMA_HOST` does", so a user with one of these settings reaches a different server
    /// with Evolve than with `ollama`.
    @Test(
        "OLLAMA_HOST values read as Ollama's own tools read them",
        arguments: [
            // Ollama: an http:// URL without a port means port 80 (https:// means 443).
            ("http://example.com", "http://example.com:80"),
            // Ollama strips surrounding quotes (common in .env files and docker --env-file).
            ("\"127.0.0.1:11500\"", "http://127.0.0.1:11500"),
            ("'gpu-box:9000'", "http://gpu-box:9000"),
            // Ollama accepts a bare IPv6 address and brackets it.
            ("::1", "http://[::1]:11434"),
            // Ollama falls back to the default port when the port is not a number.
            ("localhost:abc", "http://localhost:11434"),
        ])
    func agreesWithOllama(value: String, ollama: String) {
        #expect(OllamaEndpoint.normalize(value) == ollama)
    }
}
