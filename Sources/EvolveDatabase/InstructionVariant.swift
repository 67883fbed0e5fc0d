import Foundation

/// One text for the task part of the prompt (`search.meta_prompt`), with the bandit's counts.
public struct InstructionVariant: Sendable, Hashable, Identifiable {
    public enum Status: String, Sendable, Hashable, Codable {
        /// The bandit may choose it.
        case active
        /// Retired to keep the archive within `variants`; its children keep its id.
        case retired
        /// A proposal that could not be used (no tagged text, empty, too long, a repeat, a failed
        /// request): recorded with the answer and why, never chosen.
        case malformed
    }

    public var id: Int
    public var text: String
    public var status: Status
    /// Iterations that used it and finished.
    public var pulls: Int
    /// Of those, children that beat their parent.
    public var wins: Int
    /// Finished iterations when it was proposed; nil for the default text.
    public var proposedAfter: Int?
    /// The model's proposal answer, as received.
    public var answer: String?
    /// Why a malformed proposal was refused.
    public var message: String?

    public init(
        id: Int, text: String, status: Status = .active, pulls: Int = 0, wins: Int = 0, proposedAfter: Int? = nil,
        answer: String? = nil, message: String? = nil
    ) {
        self.id = id
        self.text = text
        self.status = status
        self.pulls = pulls
        self.wins = wins
        self.proposedAfter = proposedAfter
        self.answer = answer
        self.message = message
    }

    /// The share of its children that beat their parent (0 before any).
    public var mean: Double { pulls == 0 ? 0 : Double(wins) / Double(pulls) }
}

/// A store that keeps the instruction archive (the SQLite store does).
public protocol InstructionStore: Sendable {
    /// Every variant ever recorded, malformed proposals included, by id.
    func instructions() async throws -> [InstructionVariant]
    /// Inserts or replaces a variant (its status, counts and texts).
    func saveInstruction(_ variant: InstructionVariant) async throws
    /// Counts one finished iteration of `id`, a win when its child beat its parent.
    func creditInstruction(id: Int, won: Bool) async throws
}
