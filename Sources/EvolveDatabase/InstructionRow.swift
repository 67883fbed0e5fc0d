import Foundation
import GRDB

/// A row of `instructions`: one instruction variant of `search.meta_prompt`.
struct InstructionRow: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "instructions"

    var id: Int
    var text: String
    var status: String
    var pulls: Int
    var wins: Int
    var proposedAfter: Int?
    var answer: String?
    var message: String?
    var createdAt: Double

    enum CodingKeys: String, CodingKey {
        case id, text, status, pulls, wins, answer, message
        case proposedAfter = "proposed_after"
        case createdAt = "created_at"
    }

    init(_ variant: InstructionVariant) {
        id = variant.id
        text = variant.text
        status = variant.status.rawValue
        pulls = variant.pulls
        wins = variant.wins
        proposedAfter = variant.proposedAfter
        answer = variant.answer
        message = variant.message
        createdAt = Date().timeIntervalSince1970
    }

    var variant: InstructionVariant {
        InstructionVariant(
            id: id, text: text, status: InstructionVariant.Status(rawValue: status) ?? .retired, pulls: pulls, wins: wins,
            proposedAfter: proposedAfter, answer: answer, message: message)
    }
}
