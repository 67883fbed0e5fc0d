import Foundation

/// Why pip failed, read from its log: which package, and what kind of failure.
struct PipFailure: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case notFound, network, buildFailed, invalidRequirement, conflict, other
    }

    var kind: Kind
    var package: String?
    /// pip's own line that says it.
    var line: String?

    init(log: String) {
        let lines = log.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let offline = ["NewConnectionError", "Temporary failure in name resolution", "Network is unreachable", "Name or service not known", "ConnectTimeoutError"]
            .contains { log.contains($0) }
        if let line = lines.first(where: { $0.hasPrefix("ERROR: No matching distribution found for ") }) {
            self.init(kind: offline ? .network : .notFound, package: Self.word(after: "found for ", in: line), line: line)
        } else if let line = lines.first(where: { $0.hasPrefix("ERROR: Could not find a version that satisfies the requirement ") }) {
            self.init(kind: offline ? .network : .notFound, package: Self.word(after: "the requirement ", in: line), line: line)
        } else if let line = lines.first(where: { $0.hasPrefix("ERROR: Failed building wheel for ") || $0.hasPrefix("ERROR: Could not build wheels for ") }) {
            let package = Self.word(after: "wheel for ", in: line) ?? Self.word(after: "wheels for ", in: line)
            self.init(kind: .buildFailed, package: package?.trimmingCharacters(in: CharacterSet(charactersIn: ",")), line: Self.compilerError(in: lines) ?? line)
        } else if let line = lines.first(where: { $0.hasPrefix("ERROR: Invalid requirement: ") }) {
            self.init(kind: .invalidRequirement, package: Self.word(after: "requirement: ", in: line)?.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")), line: line)
        } else if let line = lines.first(where: { $0.hasPrefix("ERROR: Cannot install ") || $0.contains("ResolutionImpossible") }) {
            self.init(kind: .conflict, package: nil, line: line)
        } else if lines.contains(where: { $0.contains("subprocess-exited-with-error") }) {
            let package = lines.last(where: { $0.hasPrefix("Collecting ") }).flatMap { Self.word(after: "Collecting ", in: $0) }
            self.init(kind: .buildFailed, package: package, line: Self.compilerError(in: lines) ?? lines.last(where: { $0.hasPrefix("×") }))
        } else {
            self.init(kind: offline ? .network : .other, package: nil, line: lines.last(where: { $0.hasPrefix("ERROR:") }) ?? lines.last)
        }
    }

    init(kind: Kind, package: String?, line: String?) {
        self.kind = kind
        self.package = package
        self.line = line.map { String($0.prefix(300)) }
    }

    /// One sentence for the user.
    var summary: String {
        let name = package.map { "`\($0)`" } ?? "a package"
        switch kind {
        case .notFound: return "PyPI has no package \(name) that installs here (check its name and version)"
        case .network: return "could not reach PyPI to download \(name) (no network?)"
        case .buildFailed: return "\(name) failed to build" + (line.map { ": \($0)" } ?? "")
        case .invalidRequirement: return "the requirement \(name) is not valid" + (line.map { " (\($0))" } ?? "")
        case .conflict: return "the requirements conflict" + (line.map { ": \($0)" } ?? "")
        case .other: return "pip failed" + (line.map { ": \($0)" } ?? "")
        }
    }

    /// The first word after `marker` in `line`, without a version specifier's parentheses.
    static func word(after marker: String, in line: String) -> String? {
        guard let range = line.range(of: marker) else { return nil }
        return line[range.upperBound...].split(separator: " ").first.map(String.init)
    }

    /// A compiler's first `error:` line, which says more than pip's summary.
    static func compilerError(in lines: [String]) -> String? {
        lines.first { line in
            (line.contains(": error:") || line.hasPrefix("error: ")) && !line.contains("subprocess-exited-with-error")
        }
    }

    /// The last ERROR line of a log file, for failures before pip ran.
    static func lastError(inLog log: URL) -> String? {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").last(where: { $0.contains("Error") || $0.hasPrefix("ERROR") }).map { String($0.prefix(300)) }
    }
}
