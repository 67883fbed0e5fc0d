import EvolveCore
import EvolveDatabase
import EvolveLLM
import Foundation

/// The meta-prompt's diagnosis request and the reading of its answer: the model sees each
/// instruction variant with how often its children beat their parent, and the recent children
/// with their variant, kind and fate, then writes a new variant between `<instructions>` tags.
enum InstructionProposal {
    static func messages(archive: InstructionArchive, recent: [OutcomeNote], description: String) -> [ChatMessage] {
        let system = """
            You tune the instructions that an evolutionary program search gives a coding model. The \
            model sees a program and these instructions, and answers with a change; an evaluator \
            scores the result. The problem being solved:
            \(description)
            """
        let variants = archive.active.map { "- #\($0.id) (\($0.wins) of \($0.pulls) children beat their parent): \($0.text)" }
        let children = recent.map { note in
            "- iteration \(note.iteration), instructions #\(note.plan.instruction?.id ?? 1), \(note.plan.kind?.rawValue ?? "default form"): \(note.summary)"
        }
        let user = """
            ## Instructions in use
            \(variants.joined(separator: "\n"))

            ## Recent children
            \(children.isEmpty ? "(none yet)" : children.joined(separator: "\n"))

            ## What to do
            Diagnose in a few sentences what the children that beat their parent did differently \
            from those that failed or did not improve. Then write one new instruction text for \
            the model, different from those in use, that should lead to more improvements. Put \
            only the new text between <instructions> and </instructions>, at most 2000 characters.
            """
        return [ChatMessage(.system, system), ChatMessage(.user, user)]
    }

    /// The text between the last `<instructions>` and the `</instructions>` after it, trimmed.
    static func instructions(in answer: String) -> String? {
        guard let open = answer.range(of: "<instructions>", options: .backwards),
              let close = answer.range(of: "</instructions>", range: open.upperBound..<answer.endIndex) else { return nil }
        return answer[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Why the answer gives no usable variant, or nil.
    static func refusal(of answer: String, text: String, archive: InstructionArchive) -> String? {
        guard instructions(in: answer) != nil else { return "the answer has no text between <instructions> and </instructions>" }
        return archive.refusal(of: text)
    }
}

/// An instruction proposal to ask, after `finished` iterations had finished.
struct ProposalRequest: Sendable {
    var finished: Int
    var messages: [ChatMessage]
}

/// The answer to an instruction proposal, asked after `finished` iterations had finished.
struct InstructionProposalAnswer: Sendable {
    var finished: Int
    /// The model's answer, or why the request failed.
    var answer: Result<ChatResponse, ProposalFailure>

    struct ProposalFailure: Error, Sendable { var message: String }

    /// What the answer cost (nothing when the request failed).
    var cost: Double {
        guard case .success(let response) = answer else { return 0 }
        return response.cost ?? 0
    }
}
