import ArgumentParser
import EvolveController
import Foundation

/// What the replay commands share: the run folders they read and the JSON they write.
enum StoredRuns {
    /// The runs named by `paths` (run folders, or problem folders for their latest run).
    static func locate(_ paths: [String]) throws -> [RunDirectory] {
        try paths.map { path in
            guard let directory = RunDirectory.locate(path) else {
                throw ValidationError("\(path) holds no run: give a run folder with evolve.sqlite, or a problem folder with runs/")
            }
            return directory
        }
    }

    /// Writes `value` as pretty JSON to `path` and says so.
    static func writeJSON(_ value: some Encodable, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(value).write(to: URL(fileURLWithPath: path))
        print("\nWrote \(path).")
    }
}
