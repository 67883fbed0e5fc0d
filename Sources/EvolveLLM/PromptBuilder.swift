import EvolveCore
import Foundation

/// Builds the model's messages from a selection: the problem's description, the parent with its
/// score, metrics, feature coordinates and last evaluation output, top programs, diverse
/// inspirations and the answer format.
public struct PromptBuilder: Sendable {
    public var description: String
    public var language: String
    public var goal: Goal
    public var mode: Mutation.Mode
    public var templates: [String: String]
    /// The task text of the user prompt (`{{instructions}}`); `search.meta_prompt` varies it.
    public var instructions = PromptTemplates.instructions
    /// Longest code excerpt shown for a top program or inspiration, in characters.
    public var excerptLimit = 3000

    public init(problem: Problem, mode: Mutation.Mode? = nil) {
        description = problem.configuration.description
        language = problem.configuration.language
        goal = problem.configuration.goal
        self.mode = mode ?? problem.configuration.mode
        templates = PromptTemplates.defaults.merging(problem.templates) { _, override in override }
    }

    public func messages(for selection: Selection) -> [ChatMessage] {
        let system = render("system", [
            "description": description,
            "goal": goalText,
            "language": language.isEmpty ? "the language of the program below" : language,
        ])
        let user = render("user", [
            "parent": parentSection(selection.parent),
            "last_evaluation": lastEvaluationSection(selection.parent) + failedChildrenSection(selection.failedChildren),
            "top_programs": programsSection("Best programs so far", selection.topPrograms.filter { $0.id != selection.parent.id }),
            "inspirations": programsSection("Different approaches from elsewhere in the archive", selection.inspirations),
            "instructions": instructions,
            "format": formatText,
        ])
        return [ChatMessage(.system, system), ChatMessage(.user, user)]
    }

    /// The message that follows a rejected answer, carrying the reasons back to the model.
    public func feedback(reasons: [String]) -> ChatMessage {
        ChatMessage(.user, render("feedback", [
            "reasons": reasons.map { "- " + $0 }.joined(separator: "\n"),
            "format": formatText,
        ]))
    }

    /// Messages rendered as text for the run's record.
    public static func transcript(_ messages: [ChatMessage]) -> String {
        messages.map { "[\($0.role.rawValue)]\n\($0.content)" }.joined(separator: "\n\n")
    }

    var goalText: String {
        var text = goal.direction == .maximize ? "higher scores are better." : "lower scores are better."
        if let target = goal.target { text += " The goal is a score of \(number(target))." }
        return text
    }

    var formatText: String {
        render(mode == .diff ? "diff_format" : "rewrite_format", ["language": language])
    }

    func parentSection(_ program: Program) -> String {
        var lines = ["## Current program", "Score: \(program.score.map(number) ?? "none (\(program.result.status.rawValue))")"]
        if !program.result.metrics.isEmpty {
            lines.append("Metrics: " + program.result.metrics.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        }
        if !program.features.isEmpty {
            lines.append("Feature coordinates: " + program.features.sorted { $0.key < $1.key }.map { "\($0.key)=\(number($0.value))" }.joined(separator: ", "))
        }
        lines.append("```\(language)\n\(program.code.hasSuffix("\n") ? String(program.code.dropLast()) : program.code)\n```")
        return lines.joined(separator: "\n") + "\n"
    }

    func lastEvaluationSection(_ program: Program) -> String {
        let result = program.result
        var lines: [String] = []
        if let reason = result.failureReason {
            lines.append("Failure: \(reason)")
        }
        let stderr = tail(result.stderrTail, lines: 15, characters: 1500)
        if !stderr.isEmpty, !result.isSuccess || result.stderrTail.count < 1500 {
            lines.append("Standard error (end):\n```\n\(stderr)\n```")
        }
        if !result.artifacts.isEmpty {
            lines.append(result.artifacts.sorted { $0.key < $1.key }.map { "\($0.key): \(String($0.value.description.prefix(800)))" }.joined(separator: "\n"))
        }
        guard !lines.isEmpty else { return "" }
        return "## Last evaluation of the current program\n" + lines.joined(separator: "\n") + "\n"
    }

    /// Recent changes to the parent that failed their evaluation, with why: the model should not repeat them.
    func failedChildrenSection(_ children: [Program]) -> String {
        guard !children.isEmpty else { return "" }
        var text = "## Recent changes to this program that failed\n"
        for child in children {
            text += "- \(child.result.status.rawValue): \(child.result.failureReason ?? "no reason given")\n"
            let stderr = tail(child.result.stderrTail, lines: 4, characters: 400)
            if !stderr.isEmpty, child.result.failureReason?.contains(stderr) != true {
                text += "  ```\n" + stderr.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n  ```\n"
            }
        }
        return text + "Avoid these mistakes.\n"
    }

    func programsSection(_ title: String, _ programs: [Program]) -> String {
        guard !programs.isEmpty else { return "" }
        var text = "## \(title)\n"
        for program in programs {
            let regions = (try? EvolveBlock.regionTexts(in: program.code))?.joined(separator: "\n...\n") ?? program.code
            let excerpt = regions.count > excerptLimit ? String(regions.prefix(excerptLimit)) + "\n..." : regions
            text += "Score \(program.score.map(number) ?? "none"):\n```\(language)\n\(excerpt)\n```\n"
        }
        return text
    }

    /// Fills `{{key}}` placeholders in one pass, so that text inside an inserted value (code with
    /// `{{...}}` in it, say) is never taken for a placeholder.
    func render(_ name: String, _ values: [String: String]) -> String {
        let template = templates[name] ?? PromptTemplates.defaults[name] ?? ""
        var output = ""
        var rest = template[...]
        while let open = rest.range(of: "{{") {
            output += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                rest = rest[open.lowerBound...]
                break
            }
            let key = String(rest[open.upperBound..<close.lowerBound])
            output += values[key] ?? String(rest[open.lowerBound..<close.upperBound])
            rest = rest[close.upperBound...]
        }
        return output + rest
    }

    func tail(_ text: String, lines count: Int, characters: Int) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(count).joined(separator: "\n")
        return String(lines.suffix(characters)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.6g", value)
    }
}
