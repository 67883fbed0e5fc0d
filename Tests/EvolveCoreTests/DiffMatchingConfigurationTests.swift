import EvolveCore
import Foundation
import Testing

/// `search.diff_match` in evolve.yaml.
@Suite struct DiffMatchingConfigurationTests {
    func parse(_ yaml: String) throws -> SearchConfiguration {
        try ProblemConfiguration.parse(yaml: yaml, file: "evolve.yaml").search
    }

    @Test func similarLineMatchingIsOnByDefault() throws {
        let search = try parse("")
        #expect(search.diffMatch == DiffMatching(threshold: 0.85, margin: 0.05))
        #expect(search.diffMatch.allowsSimilarLines)
    }

    @Test func thresholdAndMarginDecodeAndDefaultSeparately() throws {
        #expect(try parse("search:\n  diff_match: {threshold: 0.9}\n").diffMatch == DiffMatching(threshold: 0.9, margin: 0.05))
        #expect(try parse("search:\n  diff_match:\n    margin: 0.1\n").diffMatch == DiffMatching(threshold: 0.85, margin: 0.1))
        #expect(try parse("search:\n  diff_match:\n").diffMatch == DiffMatching())
    }

    @Test func thresholdOneTurnsSimilarLinesOff() throws {
        let matching = try parse("search:\n  diff_match: {threshold: 1.0}\n").diffMatch
        #expect(matching == .exact)
        #expect(!matching.allowsSimilarLines)
    }

    @Test(arguments: [
        ("search:\n  diff_match:\n    threshold: 1.5\n", 3, "search.diff_match.threshold", "between 0.5 and 1"),
        ("search:\n  diff_match:\n    threshold: 0.2\n", 3, "search.diff_match.threshold", "between 0.5 and 1"),
        ("search:\n  diff_match:\n    margin: -0.1\n", 3, "search.diff_match.margin", "at least 0"),
        ("search:\n  diff_match:\n    treshold: 0.9\n", 3, "search.diff_match.treshold", "did you mean `threshold`?"),
        ("search:\n  diff_match: 0.9\n", 2, "search.diff_match", "a mapping"),
    ])
    func badValuesNameTheKeyAndLine(yaml: String, line: Int, key: String, mention: String) {
        #expect {
            try parse(yaml)
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.line == line && error.key == key && error.description.contains(mention)
        }
    }

    @Test func storedConfigurationsFromBeforeTheOptionStillDecode() throws {
        // A run's stored configuration is JSON of the struct; older ones have no diffMatch.
        var old = try JSONSerialization.jsonObject(with: JSONEncoder().encode(SearchConfiguration())) as! [String: Any]
        old["diff_match"] = nil
        old["diffMatch"] = nil
        let decoded = try JSONDecoder().decode(SearchConfiguration.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(decoded.diffMatch == DiffMatching())
    }
}
