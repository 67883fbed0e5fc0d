import Foundation

/// The evaluator's JSON report: `{"score": 275.0, "metrics": {...}, "features": {...}, "artifacts": {...}}`,
/// read from the last line of standard output or from `result.json` in the writable directory.
/// An optional `"error"` string says why a candidate failed.
public struct EvaluatorReport: Sendable, Hashable {
    public var score: Double
    public var metrics: [String: JSONValue]
    public var features: [String: Double]
    public var artifacts: [String: JSONValue]

    /// Reads the report; a failure is a reason fit to show the user and the model.
    /// `resultFile` wins over standard output when both are present.
    public static func parse(stdout: String, resultFile: String?) -> Result<EvaluatorReport, ReportError> {
        let source: String
        let origin: String
        if let resultFile, !resultFile.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            source = resultFile
            origin = "result.json"
        } else if let lastLine = stdout.split(whereSeparator: \.isNewline).last(where: {
            !$0.trimmingCharacters(in: .whitespaces).isEmpty
        }) {
            source = String(lastLine)
            origin = "the last line of standard output"
        } else {
            return .failure(ReportError("the evaluator printed nothing; it must print a JSON object such as {\"score\": 1.0} as its last line"))
        }
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true  // Python's json module writes bare NaN and Infinity
        guard let data = source.data(using: .utf8),
            let value = try? decoder.decode(JSONValue.self, from: data)
        else {
            return .failure(ReportError("\(origin) is not JSON: `\(source.prefix(120))`"))
        }
        guard case .object(let object) = value else {
            return .failure(ReportError("\(origin) is JSON but not an object: `\(source.prefix(120))`"))
        }
        if case .string(let reason)? = object["error"] {
            return .failure(ReportError("the evaluator reported an error: \(reason.prefix(500))"))
        }
        guard let scoreValue = object["score"] else {
            return .failure(ReportError("the report has no \"score\" key: `\(source.prefix(120))`"))
        }
        let score: Double
        switch scoreValue {
        case .number(let number):
            score = number
        case .string(let text) where ["nan", "inf", "+inf", "-inf", "infinity", "-infinity"].contains(text.lowercased()):
            return .failure(ReportError("the score is \(text), not a finite number"))
        default:
            return .failure(ReportError("the score is not a number: \(scoreValue)"))
        }
        guard score.isFinite else {
            return .failure(ReportError("the score is \(score), not a finite number"))
        }
        var features: [String: Double] = [:]
        if case .object(let raw)? = object["features"] {
            for (key, value) in raw {
                guard let number = value.number else {
                    return .failure(ReportError("feature `\(key)` is not a finite number: \(value)"))
                }
                features[key] = number
            }
        }
        func objectValue(_ key: String) -> [String: JSONValue] {
            if case .object(let raw)? = object[key] { return raw }
            return [:]
        }
        return .success(EvaluatorReport(score: score, metrics: objectValue("metrics"), features: features, artifacts: objectValue("artifacts")))
    }

    public struct ReportError: Error, Sendable, Hashable {
        public var reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
