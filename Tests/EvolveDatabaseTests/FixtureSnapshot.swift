import EvolveCore
import EvolveDatabase
import Foundation

/// Everything a reader gets from a run database, as JSON: what version N read must be what version N+1 reads.
struct FixtureSnapshot: Codable, Equatable {
    struct Attempt: Codable, Equatable {
        var iteration: Int
        var attempt: Int
        var parentID: String?
        var model: String
        var prompt: String
        var answer: String
        var outcome: String
        var kind: String?
        var message: String?
        var promptTokens: Int?
        var completionTokens: Int?
        var modelSeconds: Double
        var cost: Double?
        var createdAt: Double

        init(_ record: AttemptRecord) {
            iteration = record.iteration
            attempt = record.attempt
            parentID = record.parentID?.rawValue
            model = record.model
            prompt = record.prompt
            answer = record.answer
            outcome = record.outcome.rawValue
            kind = record.kind
            message = record.message
            promptTokens = record.promptTokens
            completionTokens = record.completionTokens
            modelSeconds = record.modelSeconds
            cost = record.cost
            createdAt = record.createdAt.timeIntervalSince1970
        }
    }

    var programs: [Program]
    var attempts: [Attempt]
    var finishedIterations: [Int]
    var totalCost: Double
    var faultCounts: [String: [String: Int]]
    var usage: [String]
    var info: [String: String]
}
