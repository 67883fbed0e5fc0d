extension RandomNumberGenerator {
    /// An index drawn with probability weights[i] / Σ weights (weights ≥ 0, not all 0).
    mutating func index(weightedBy weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        guard total > 0, total.isFinite else { return Int.random(in: weights.indices, using: &self) }
        var target = Double.random(in: 0..<total, using: &self)
        for (index, weight) in weights.enumerated() {
            target -= weight
            if target < 0 { return index }
        }
        return weights.count - 1
    }
}

extension Array where Element == Double {
    /// The median (the mean of the middle two for an even count); 0 when empty.
    var median: Double {
        guard !isEmpty else { return 0 }
        let sorted = self.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
