import EvolveCore
import Foundation

/// A child whose model answer arrived and applied, stored before its evaluation (the `journal`
/// table), so that a controller killed meanwhile does not pay for the answer twice: on resume the
/// child is evaluated again without a model call. Committing the iteration removes it.
public struct JournaledChild: Sendable, Hashable {
    public var iteration: Int
    public var parentID: ProgramID
    public var island: Int
    public var code: String
    /// The accepted answer, its diff, tokens and time; it carries the mutation kind and instruction variant.
    public var record: GenerationRecord
    /// Every model call of the iteration, rejected answers before the accepted one included, as they will be committed.
    public var attempts: [AttemptRecord]
    /// What the iteration's answers cost (already counted in the run's cost when journaled).
    public var cost: Double
    /// When its generation started and ended (the evaluate and commit stages add theirs after a resume).
    public var timing: ProgramTiming?

    public init(
        iteration: Int, parentID: ProgramID, island: Int, code: String, record: GenerationRecord, attempts: [AttemptRecord], cost: Double,
        timing: ProgramTiming? = nil
    ) {
        self.timing = timing
        self.iteration = iteration
        self.parentID = parentID
        self.island = island
        self.code = code
        self.record = record
        self.attempts = attempts
        self.cost = cost
    }
}

/// The journal of a store that keeps none: nothing is written and nothing is resumed (a killed
/// run then asks again for the answers it had not committed).
extension ProgramStore {
    public func journal(_ child: JournaledChild) async throws {}
    public func journaledChildren() async throws -> [JournaledChild] { [] }
}
