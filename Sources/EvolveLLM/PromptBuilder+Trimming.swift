import EvolveCore

/// The sections of one prompt, rendered once; trimming drops whole entries from them, least
/// important first, until the messages fit the budget. The current program, its record and the
/// task are never dropped.
struct PromptSections {
    var system: String
    var attempts: [String]
    var top: [String]
    var inspirations: [String]
    var otherIslands: [String]
    var record: String
    var lastEvaluation: String
    /// The last evaluation without its artifacts, the shorter form trimming may choose.
    var shortLastEvaluation: String
    var currentProgram: String
    var task = ""
    /// What was left out, by kind, in the order first left out.
    var dropped: [(kind: Kind, count: Int)] = []

    enum Kind: String {
        case attempts = "previous attempt", otherIslands = "program from another island", inspirations = "diverse program"
        case top = "top program", artifacts = "the last evaluation's artifacts"
    }

    /// Attempts kept before other sections lose anything.
    static let attemptsKeptFirst = 2

    init(_ builder: PromptBuilder, _ selection: Selection) {
        system = builder.systemMessage
        attempts = builder.attempts(selection).map { builder.attemptEntry($0, current: selection.parent) }
        top = []
        inspirations = []
        otherIslands = []
        record = builder.parentRecordSection(selection)
        lastEvaluation = builder.lastEvaluationSection(selection.parent)
        shortLastEvaluation = builder.lastEvaluationSection(selection.parent, artifacts: false)
        currentProgram = builder.currentProgramSection(selection.parent)
        top = kept(builder.topEntries(selection), .top)
        inspirations = kept(builder.inspirationEntries(selection), .inspirations)
        otherIslands = kept(builder.otherIslandEntries(selection), .otherIslands)
    }

    /// The entries that were shown (not too long), counting the others as left out.
    private mutating func kept(_ entries: [String?], _ kind: Kind) -> [String] {
        let shown = entries.compactMap { $0 }
        if shown.count < entries.count { note(kind, entries.count - shown.count) }
        return shown
    }

    mutating func note(_ kind: Kind, _ count: Int = 1) {
        if let index = dropped.firstIndex(where: { $0.kind == kind }) { dropped[index].count += count } else { dropped.append((kind, count)) }
    }

    /// Leaves out the least important entry left; false when nothing more may go.
    mutating func dropLeastImportant() -> Bool {
        if attempts.count > Self.attemptsKeptFirst { attempts.removeLast(); note(.attempts) }
        else if !otherIslands.isEmpty { otherIslands.removeLast(); note(.otherIslands) }
        else if !inspirations.isEmpty { inspirations.removeLast(); note(.inspirations) }
        else if !top.isEmpty { top.removeLast(); note(.top) }
        else if !attempts.isEmpty { attempts.removeLast(); note(.attempts) }
        else if lastEvaluation != shortLastEvaluation { lastEvaluation = shortLastEvaluation; note(.artifacts) }
        else { return false }
        return true
    }

    /// What was left out, in words: `3 previous attempts`, `the last evaluation's artifacts`.
    var trimmed: [String] {
        dropped.map { $0.kind == .artifacts ? $0.kind.rawValue : "\($0.count) \($0.kind.rawValue)\($0.count == 1 ? "" : "s")" }
    }
}

extension PromptBuilder {
    /// Drops entries until the messages fit `budget` (or nothing more may go).
    func fit(_ sections: PromptSections) -> BuiltPrompt {
        var sections = sections
        var messages = self.messages(sections)
        while budget.tokens(messages) > budget.limit, sections.dropLeastImportant() {
            messages = self.messages(sections)
        }
        return BuiltPrompt(messages: messages, trimmed: sections.trimmed, estimatedTokens: budget.tokens(messages), tokenLimit: budget.limit)
    }

    func messages(_ sections: PromptSections) -> [ChatMessage] {
        [ChatMessage(.system, sections.system), ChatMessage(.user, userMessage(sections))]
    }

    func userMessage(_ sections: PromptSections) -> String {
        let trimmed = sections.trimmed.joined(separator: ", ")
        return render("user", [
            "trimmed": section("trimmed", ["trimmed": trimmed], if: !trimmed.isEmpty),
            "previous_attempts": listSection("previous_attempts", "attempts", sections.attempts),
            "top_programs": listSection("top_programs", "programs", sections.top),
            "inspirations": listSection("inspirations", "programs", sections.inspirations),
            "other_islands": listSection("other_islands", "programs", sections.otherIslands),
            "parent_record": sections.record,
            "last_evaluation": sections.lastEvaluation,
            "current_program": sections.currentProgram,
            "parent": sections.record + sections.currentProgram,
            "task": sections.task,
            "format": formatText,
        ])
    }

    func listSection(_ name: String, _ key: String, _ entries: [String]) -> String {
        let body = entries.joined(separator: "\n")
        return section(name, [key: body, "count": String(entries.count)], if: !entries.isEmpty)
    }
}
