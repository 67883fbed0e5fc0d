import EvolveController
import EvolveCore
import EvolveDatabase
import Foundation

/// Every model call stored in runs, in iteration order, with the code of the parent it was asked
/// about (nil when that program is not stored): what the answer replays read.
enum StoredAttempts {
    static func forEach(in runs: [RunDirectory], _ body: (AttemptRecord, _ parent: String?, RunDirectory) -> Void) async throws {
        for run in runs {
            let store = try run.openStore(readOnly: true)
            let parents = Dictionary(try await store.allPrograms().map { ($0.id, $0.code) }, uniquingKeysWith: { first, _ in first })
            for iteration in try await store.finishedIterations().sorted() {
                for attempt in try await store.attempts(iteration: iteration) {
                    body(attempt, attempt.parentID.flatMap { parents[$0] }, run)
                }
            }
        }
    }
}
