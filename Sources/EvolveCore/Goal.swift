/// Whether higher or lower scores are better, and an optional score that ends the run.
public struct Goal: Sendable, Hashable, Codable {
    public enum Direction: String, Sendable, Hashable, Codable, CaseIterable {
        case maximize, minimize
    }

    public var direction: Direction
    public var target: Double?

    public init(direction: Direction = .maximize, target: Double? = nil) {
        self.direction = direction
        self.target = target
    }

    /// True when `a` is strictly better than `b`.
    public func isBetter(_ a: Double, than b: Double) -> Bool {
        direction == .maximize ? a > b : a < b
    }

    /// A score where larger is always better, for ranking and fitness-proportional choice.
    public func fitness(_ score: Double) -> Double {
        direction == .maximize ? score : -score
    }

    public func reachesTarget(_ score: Double) -> Bool {
        guard let target else { return false }
        return direction == .maximize ? score >= target : score <= target
    }
}
