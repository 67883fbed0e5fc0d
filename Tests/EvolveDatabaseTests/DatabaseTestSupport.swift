import EvolveCore
import EvolveDatabase
import Foundation
import Testing

/// Hand-made programs on a small grid: two evaluator features `x` and `y`, fixed ranges 0...4 and
/// 4 bins each, so a program at (x, y) sits in cell ⌊x⌋·4 + ⌊y⌋ (values outside clamp to the edge).
enum Grid {
    static let features = ["x", "y"]

    static func configuration(
        goal: Goal = Goal(), islands: Int = 1, exploitation: Double = 0, fitnessProportional: Double = 0,
        topPrograms: Int = 3, inspirations: Int = 2, fixedRanges: Bool = true, seed: UInt64 = 7
    ) -> ArchiveConfiguration {
        ArchiveConfiguration(
            goal: goal,
            search: SearchConfiguration(
                islands: islands, migrationInterval: 10, exploitation: exploitation, fitnessProportional: fitnessProportional,
                features: features, bins: 4, featureRanges: fixedRanges ? ["x": [0, 4], "y": [0, 4]] : [:], topPrograms: topPrograms,
                inspirations: inspirations, seed: seed))
    }

    /// A successfully evaluated program whose evaluator reported features x and y.
    static func program(
        _ id: String, score: Double, x: Double = 0.5, y: Double = 0.5, island: Int = 0,
        origin: ProgramOrigin = .mutation, code: String? = nil
    ) -> Program {
        let result = EvaluationResult(status: .success, score: score, features: ["x": x, "y": y], duration: 0.1)
        return make(id, result: result, island: island, origin: origin, code: code)
    }

    /// A program whose evaluation failed.
    static func failed(
        _ id: String, status: EvaluationResult.Status = .crashed, score: Double? = nil, island: Int = 0,
        origin: ProgramOrigin = .mutation, code: String? = nil
    ) -> Program {
        let result = EvaluationResult(status: status, score: score, failureReason: "the evaluator exited with status 1")
        return make(id, result: result, island: island, origin: origin, code: code)
    }

    static func make(_ id: String, result: EvaluationResult, island: Int, origin: ProgramOrigin, code: String?) -> Program {
        let code = code ?? "# program \(id)\nprint(\"\(id)\")\n"
        return Program(
            id: ProgramID(id), parentID: origin == .initial ? nil : ProgramID("root"), origin: origin,
            iteration: origin == .mutation ? 1 : 0, island: island, generation: origin == .initial ? 0 : 1, code: code,
            result: result, features: featureValues(for: features, code: code, result: result))
    }

    /// The cell of a point under the fixed ranges.
    static func cell(x: Double, y: Double) -> Int {
        func bin(_ value: Double) -> Int { min(3, max(0, Int((value / 4 * 4).rounded(.down)))) }
        return bin(x) * 4 + bin(y)
    }

    static func cell(of program: Program) -> Int {
        cell(x: program.features["x"] ?? 0, y: program.features["y"] ?? 0)
    }
}

extension ProgramDatabase {
    /// Parent ids of `count` samples on `island`, in order.
    mutating func parents(_ count: Int, island: Int = 0) -> [String] {
        (0..<count).compactMap { _ in sample(island: island)?.parent.id.rawValue }
    }
}

/// How many times each element occurs.
func tally(_ values: [String]) -> [String: Int] {
    values.reduce(into: [:]) { $0[$1, default: 0] += 1 }
}
