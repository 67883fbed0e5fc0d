import EvolveCore
import Foundation

/// One model call of an iteration, accepted or not: the run's record of what was asked and answered.
public struct AttemptRecord: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// The answer became a child program (see `programs`).
        case accepted
        /// The answer could not be applied; `kind` says why.
        case rejected
        /// The model call failed.
        case modelError = "model_error"
        /// The child's code had been evaluated before.
        case duplicate
    }

    public var iteration: Int
    public var attempt: Int
    public var parentID: ProgramID?
    public var model: String
    public var prompt: String
    public var answer: String
    public var outcome: Outcome
    public var kind: String?
    public var message: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// The token counts are estimated from the text's length (the server reported none and has no tokenizer endpoint).
    public var tokensEstimated: Bool
    public var modelSeconds: Double
    /// What this answer cost, when prices are configured for its model.
    public var cost: Double?
    public var createdAt: Date

    public init(
        iteration: Int, attempt: Int, parentID: ProgramID?, model: String, prompt: String, answer: String, outcome: Outcome,
        kind: String? = nil, message: String? = nil, promptTokens: Int? = nil, completionTokens: Int? = nil,
        modelSeconds: Double = 0, cost: Double? = nil, createdAt: Date = Date(), tokensEstimated: Bool = false
    ) {
        self.tokensEstimated = tokensEstimated
        self.iteration = iteration
        self.attempt = attempt
        self.parentID = parentID
        self.model = model
        self.prompt = prompt
        self.answer = answer
        self.outcome = outcome
        self.kind = kind
        self.message = message
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.modelSeconds = modelSeconds
        self.cost = cost
        self.createdAt = createdAt
    }
}

/// What one model did in a run, from its stored answers.
public struct ModelUsage: Sendable, Hashable {
    public var model: String
    /// Answers received (every outcome but a failed request).
    public var answers: Int
    /// Answers that became a child program.
    public var accepted: Int
    /// Children whose score beat their parent's.
    public var improvements: Int
    public var promptTokens: Int
    public var completionTokens: Int
    public var modelSeconds: Double
    public var cost: Double

    public init(
        model: String, answers: Int, accepted: Int, improvements: Int, promptTokens: Int, completionTokens: Int,
        modelSeconds: Double, cost: Double
    ) {
        self.model = model
        self.answers = answers
        self.accepted = accepted
        self.improvements = improvements
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.modelSeconds = modelSeconds
        self.cost = cost
    }
}

/// Where a reader of a run got to: `programs(after:)` returns only what was committed later.
public struct ProgramCursor: Sendable, Hashable, Codable, Comparable {
    /// Before the first program.
    public static let start = ProgramCursor(sequence: 0)
    /// The commit sequence number (`programs.seq`) of the last program read.
    public var sequence: Int64

    public init(sequence: Int64) { self.sequence = sequence }

    public static func < (lhs: ProgramCursor, rhs: ProgramCursor) -> Bool { lhs.sequence < rhs.sequence }
}

/// Durable storage of a run. Every method returns only once its work is committed or read.
/// Several processes may write one run: each commit is one transaction, and a program id that is
/// already stored is refused with a `StoreError` of code `.duplicate`.
public protocol ProgramStore: Sendable {
    /// Commits, in one transaction, the program an iteration produced (if any) and its model attempts,
    /// and removes the iteration's journaled child, if any. An iteration with at least one stored
    /// attempt is finished and is not run again on resume.
    func commit(program: Program?, attempts: [AttemptRecord]) async throws
    /// Stores a child that is about to be evaluated, with everything its commit needs (replacing an
    /// earlier one of its iteration), so that a resumed run evaluates it without asking the model again.
    func journal(_ child: JournaledChild) async throws
    /// The children journaled and not yet committed, by iteration.
    func journaledChildren() async throws -> [JournaledChild]
    /// The iterations committed so far.
    func finishedIterations() async throws -> Set<Int>
    /// What the model answers stored so far cost (0 without prices).
    func totalCost() async throws -> Double
    /// Records one failed model request.
    func recordFault(model: String, kind: String, message: String, willRetry: Bool) async throws
    /// Failed model requests so far, per model and kind.
    func faultCounts() async throws -> [String: [String: Int]]
    /// Answers, acceptances, improvements, tokens, time and cost per model, most answers first.
    func modelUsage() async throws -> [ModelUsage]
    /// Every stored program, in the order they were committed.
    func allPrograms() async throws -> [Program]
    /// The programs committed after `cursor`, in commit order, and the cursor to pass next time.
    func programs(after cursor: ProgramCursor) async throws -> (programs: [Program], cursor: ProgramCursor)
    func program(_ id: ProgramID) async throws -> Program?
    func attempts(iteration: Int) async throws -> [AttemptRecord]
    /// The facts about the run: where it came from, its configuration, its cost so far.
    func runInfo() async throws -> RunInfo
    /// Changes the run's facts in one transaction (read, `change`, write), so that concurrent
    /// writers never lose each other's updates.
    func updateRunInfo(_ change: @escaping @Sendable (inout RunInfo) -> Void) async throws
}

/// The store failed (disk full, permissions, a damaged file, a refused duplicate): a harness error.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable { case open, write, read, duplicate }
    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
