import EvolveCore
import Testing

/// `search.novelty` in evolve.yaml.
@Suite("Novelty configuration")
struct NoveltyConfigurationTests {
    func parse(_ yaml: String) throws -> NoveltyConfiguration {
        try ProblemConfiguration.parse(yaml: yaml, file: "evolve.yaml").search.novelty
    }

    @Test("by default near-copies are filtered by local n-grams at 0.99, with no model and no judge")
    func defaults() throws {
        let novelty = try parse("search:\n  iterations: 3\n")
        #expect(novelty == NoveltyConfiguration(enabled: true, method: .ngram, threshold: 0.99, ngram: 5, embedding: nil, judge: false))
    }

    @Test("`novelty: off` turns the check off", arguments: ["off", "false", "no"])
    func off(word: String) throws {
        #expect(try parse("search:\n  novelty: \(word)\n").enabled == false)
    }

    @Test("an embedding server and a judge are read")
    func embedding() throws {
        let novelty = try parse("""
            search:
              novelty:
                method: embedding
                threshold: 0.97
                judge: true
                embedding: {provider: openai, url: "http://127.0.0.1:8000/v1", model: text-embedding-3-small}
            """)
        #expect(novelty.method == .embedding)
        #expect(novelty.threshold == 0.97)
        #expect(novelty.judge)
        #expect(novelty.embedding == EmbeddingConfiguration(provider: .openai, url: "http://127.0.0.1:8000/v1", model: "text-embedding-3-small"))
    }

    @Test(
        "bad settings name the key and say what is wanted",
        arguments: [
            ("search:\n  novelty:\n    threshold: 1.5\n", "search.novelty.threshold", "at most 1"),
            ("search:\n  novelty:\n    method: embedding\n", "search.novelty.embedding", "needs an embedding server"),
            ("search:\n  novelty:\n    method: cosine\n", "search.novelty.method", "ngram"),
            ("search:\n  novelty:\n    treshold: 0.9\n", "search.novelty.treshold", "did you mean `threshold`?"),
            ("search:\n  novelty:\n    ngram: 0\n", "search.novelty.ngram", "between 1 and 16"),
            ("search:\n  novelty: sometimes\n", "search.novelty", "write `off`"),
            ("search:\n  novelty:\n    method: embedding\n    embedding: {provider: ollama}\n", "search.novelty.embedding", "needs a model"),
            ("search:\n  novelty:\n    embedding: {model: m, url: nowhere}\n", "search.novelty.embedding.url", "not a URL"),
        ])
    func badSettings(yaml: String, key: String, words: String) throws {
        let error = #expect(throws: ConfigurationError.self) { try parse(yaml) }
        let description = error?.description ?? ""
        #expect(description.contains(key), "\(description)")
        #expect(description.contains(words), "\(description)")
    }
}
