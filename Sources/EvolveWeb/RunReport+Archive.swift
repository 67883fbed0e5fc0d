import EvolveCore
import EvolveDatabase
import Foundation

extension RunReport {
    /// Each island's archive as a grid over the run's first two features: the best score per cell.
    public struct Archive: Codable, Sendable {
        public struct Cell: Codable, Sendable {
            public var x: Int
            public var y: Int
            public var score: Double
            public var program: String
        }
        public struct Island: Codable, Sendable {
            public var island: Int
            public var cells: [Cell]
        }
        /// The features on the x and y axes (y absent with one feature).
        public var features: [String]
        public var bins: Int
        public var direction: String
        public var islands: [Island]
    }

    public static func archive(_ store: any ProgramStore) async throws -> Archive {
        let programs = try await store.allPrograms()
        let info = try await store.runInfo()
        let search = info.configuration?.search
        let goal = info.goal
        let scored = programs.filter { $0.score != nil }
        let features = Array((search?.features ?? Array(Set(scored.flatMap { $0.features.keys })).sorted()).prefix(2))
        let bins = search?.bins ?? 8
        let ranges = Dictionary(uniqueKeysWithValues: features.map { name in
            (name, range(of: name, in: scored, configured: search?.featureRanges[name]))
        })
        var best: [Int: [Int: (cell: Archive.Cell, score: Double)]] = [:]
        for program in scored {
            let position = features.map { bin(program.features[$0], range: ranges[$0]!, bins: bins) }
            let key = position.reduce(0) { $0 * bins + $1 }
            let score = program.score!
            if let current = best[program.island]?[key], !goal.isBetter(score, than: current.score) { continue }
            let cell = Archive.Cell(x: position.first ?? 0, y: position.count > 1 ? position[1] : 0, score: score, program: program.id.rawValue)
            best[program.island, default: [:]][key] = (cell, score)
        }
        let islandCount = max(search?.islands ?? 1, (programs.map(\.island).max() ?? 0) + 1)
        return Archive(
            features: features, bins: bins, direction: goal.direction.rawValue,
            islands: (0..<islandCount).map { island in
                Archive.Island(island: island, cells: (best[island] ?? [:]).values.map(\.cell).sorted { ($0.y, $0.x) < ($1.y, $1.x) })
            })
    }

    private static func range(of name: String, in programs: [Program], configured: [Double]?) -> ClosedRange<Double> {
        if let configured, configured.count == 2, configured[0] < configured[1] { return configured[0]...configured[1] }
        let values = programs.compactMap { $0.features[name] }
        guard let low = values.min(), let high = values.max() else { return 0...1 }
        return low...max(high, low + 1e-9)
    }

    private static func bin(_ value: Double?, range: ClosedRange<Double>, bins: Int) -> Int {
        guard let value else { return 0 }
        let position = (value - range.lowerBound) / (range.upperBound - range.lowerBound)
        return min(bins - 1, max(0, Int(position * Double(bins))))
    }
}
