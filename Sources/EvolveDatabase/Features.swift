import EvolveCore

/// Built-in feature dimensions computed from a program and its result.
public enum BuiltinFeature: String, CaseIterable, Sendable {
    /// Characters inside the EVOLVE-BLOCK regions (the whole program if it has no markers).
    case length
    /// Deepest indentation level (or bracket depth, whichever is larger) inside the regions.
    case nesting
    /// Seconds the evaluation took.
    case evalTime = "eval_time"

    public func value(code: String, result: EvaluationResult) -> Double {
        switch self {
        case .length:
            return Double(Self.evolvable(code).count)
        case .nesting:
            return Double(Self.nesting(Self.evolvable(code)))
        case .evalTime:
            return result.duration
        }
    }

    static func evolvable(_ code: String) -> String {
        (try? EvolveBlock.regionTexts(in: code))?.joined(separator: "\n") ?? code
    }

    static func nesting(_ code: String) -> Int {
        var widths: [Int] = []
        var depth = 0
        var maxDepth = 0
        for line in code.split(separator: "\n") where !line.allSatisfy(\.isWhitespace) {
            var width = 0
            for character in line {
                if character == " " { width += 1 } else if character == "\t" { width += 4 } else { break }
            }
            widths.append(width)
            for character in line {
                if "([{".contains(character) {
                    depth += 1
                    maxDepth = max(maxDepth, depth)
                } else if ")]}".contains(character) {
                    depth = max(0, depth - 1)
                }
            }
        }
        let base = widths.min() ?? 0
        let unit = widths.map { $0 - base }.filter { $0 > 0 }.min() ?? 1
        let indentDepth = (widths.max() ?? base) - base
        return max(indentDepth / max(unit, 1), maxDepth)
    }
}

/// The feature coordinates of a program: built-ins plus the evaluator's `features`.
public func featureValues(for names: [String], code: String, result: EvaluationResult) -> [String: Double] {
    var values: [String: Double] = [:]
    for name in names {
        if let builtin = BuiltinFeature(rawValue: name) {
            values[name] = builtin.value(code: code, result: result)
        } else if let value = result.features[name] {
            values[name] = value
        }
    }
    for (name, value) in result.features where values[name] == nil {
        values[name] = value
    }
    return values
}

/// A stable 64-bit FNV-1a hash of program text, for finding programs evaluated before.
public func codeHash(_ code: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in code.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01B3
    }
    return hash
}

/// A small, fast, seedable generator (SplitMix64), so that a run's choices can be reproduced.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
