import EvolveCore
import Foundation

extension Program {
    /// A copy of this program placed on `island` by the search (a seed copy, a migrant, a reset or
    /// a new island's first program): same code, result and features; its parent is the original.
    func copy(toIsland island: Int, id: ProgramID) -> Program {
        var copy = self
        copy.id = id
        copy.parentID = self.id
        copy.origin = .migration
        copy.iteration = 0
        copy.island = island
        copy.createdAt = Date()
        return copy
    }
}

extension Array where Element == Program {
    /// The `limit` best scored programs, best first.
    func best(_ limit: Int, goal: Goal) -> [Program] {
        filter { $0.score != nil }.sorted { goal.isBetter($0.score!, than: $1.score!) }.prefix(limit).map { $0 }
    }
}
