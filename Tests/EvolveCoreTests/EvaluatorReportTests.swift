import EvolveCore
import Testing

/// Reading the evaluator's JSON report from its standard output or its result file.
@Suite struct EvaluatorReportTests {
    struct BadOutput: Sendable, CustomTestStringConvertible {
        var name: String
        var stdout: String
        var resultFile: String? = nil
        /// Words the failure reason must contain.
        var reason: [String]
        var testDescription: String { name }
    }

    static let badOutputs: [BadOutput] = [
        BadOutput(name: "nothing printed", stdout: "", reason: ["printed nothing"]),
        BadOutput(name: "only blank lines", stdout: "\n  \n\t\n", reason: ["printed nothing"]),
        BadOutput(
            name: "traceback as the last line",
            stdout: "{\"score\": 3}\nTraceback (most recent call last):\nValueError: boom\n",
            reason: ["not JSON", "ValueError: boom"]
        ),
        BadOutput(name: "JSON array", stdout: "[275.0, 1]\n", reason: ["not an object"]),
        BadOutput(name: "bare number", stdout: "275.0\n", reason: ["not an object"]),
        BadOutput(name: "missing score", stdout: "{\"metrics\": {\"weight\": 3}}\n", reason: ["no \"score\""]),
        BadOutput(name: "score is a string", stdout: "{\"score\": \"abc\"}\n", reason: ["not a number", "abc"]),
        BadOutput(name: "score is null", stdout: "{\"score\": null}\n", reason: ["not a number"]),
        BadOutput(name: "score is a boolean", stdout: "{\"score\": true}\n", reason: ["not a number"]),
        BadOutput(name: "Python's bare NaN", stdout: "{\"score\": NaN, \"metrics\": {}}\n", reason: ["nan", "finite"]),
        BadOutput(name: "Python's bare Infinity", stdout: "{\"score\": Infinity}\n", reason: ["inf", "finite"]),
        BadOutput(name: "Python's bare -Infinity", stdout: "{\"score\": -Infinity}\n", reason: ["-inf", "finite"]),
        BadOutput(name: "NaN as a string", stdout: "{\"score\": \"NaN\"}\n", reason: ["NaN", "finite"]),
        BadOutput(
            name: "error key",
            stdout: "{\"error\": \"the chosen items weigh 179, more than the capacity 80\"}\n",
            reason: ["reported an error", "weigh 179"]
        ),
        BadOutput(
            name: "error key wins over a score",
            stdout: "{\"score\": 10, \"error\": \"solution is invalid\"}\n",
            reason: ["reported an error", "solution is invalid"]
        ),
        BadOutput(
            name: "feature that is not a number",
            stdout: "{\"score\": 1.0, \"features\": {\"size\": \"large\"}}\n",
            reason: ["feature `size`", "large"]
        ),
        BadOutput(
            name: "broken result file wins over a good last line",
            stdout: "{\"score\": 5}\n", resultFile: "{\"score\": ",
            reason: ["result.json", "not JSON"]
        ),
    ]

    @Test(arguments: badOutputs)
    func badOutputIsAFailureWithASpecificReason(_ bad: BadOutput) {
        switch EvaluatorReport.parse(stdout: bad.stdout, resultFile: bad.resultFile) {
        case .success(let report):
            Issue.record("expected a failure, got score \(report.score)")
        case .failure(let error):
            for word in bad.reason {
                #expect(error.reason.lowercased().contains(word.lowercased()), "\(error.reason)")
            }
        }
    }

    func report(stdout: String, resultFile: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> EvaluatorReport? {
        switch EvaluatorReport.parse(stdout: stdout, resultFile: resultFile) {
        case .success(let report): return report
        case .failure(let error):
            Issue.record("expected a report, got: \(error.reason)", sourceLocation: sourceLocation)
            return nil
        }
    }

    @Test func lastLineAfterNoiseIsTheReport() {
        let stdout = """
            loading instance...
            {"progress": 0.5}
            step 2 of 2
            {"score": 249.0, "metrics": {"weight": 63}}


            """
        #expect(report(stdout: stdout)?.score == 249.0)
    }

    @Test func crlfOutputIsRead() {
        #expect(report(stdout: "warming up\r\n{\"score\": 12.5}\r\n")?.score == 12.5)
    }

    @Test func wholeNumberScoreIsADouble() {
        #expect(report(stdout: "{\"score\": 275}")?.score == 275.0)
        #expect(report(stdout: "{\"score\": -3e2}")?.score == -300.0)
    }

    @Test func resultFileWinsOverStandardOutput() {
        let parsed = report(stdout: "{\"score\": 1.0}\n", resultFile: "{\n  \"score\": 275.0,\n  \"metrics\": {\"source\": \"file\"}\n}\n")
        #expect(parsed?.score == 275.0)
        #expect(parsed?.metrics["source"] == .string("file"))
    }

    @Test func blankResultFileFallsBackToStandardOutput() {
        #expect(report(stdout: "{\"score\": 4.0}\n", resultFile: "  \n")?.score == 4.0)
    }

    @Test func metricsFeaturesAndArtifactsAreCarried() throws {
        let stdout = """
            {"score": 275.0, "metrics": {"weight": 77, "feasible": true, "name": "dp", "per_item": [1, 2], "extra": null}, \
            "features": {"density": 0.25, "size": 7}, "artifacts": {"log": "ok", "nested": {"a": 1}}}
            """
        let parsed = try #require(report(stdout: stdout))
        #expect(parsed.score == 275.0)
        #expect(
            parsed.metrics == [
                "weight": .number(77), "feasible": .bool(true), "name": .string("dp"),
                "per_item": .array([.number(1), .number(2)]), "extra": .null,
            ]
        )
        #expect(parsed.features == ["density": 0.25, "size": 7])
        #expect(parsed.artifacts == ["log": .string("ok"), "nested": .object(["a": .number(1)])])
    }

    @Test func missingSectionsAreEmpty() throws {
        let parsed = try #require(report(stdout: "{\"score\": 0}"))
        #expect(parsed.metrics.isEmpty && parsed.features.isEmpty && parsed.artifacts.isEmpty)
    }

    @Test func errorKeyThatIsNullDoesNotFailAScoredReport() {
        #expect(report(stdout: "{\"score\": 2, \"error\": null}")?.score == 2)
    }
}
