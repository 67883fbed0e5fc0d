import EvolveController
import EvolveDatabase
import Foundation

/// The statistics of an experiment report: quantiles, a bootstrap interval and a rank test.
public enum Statistics {
    /// The `q` quantile (0...1) of `values`, interpolating linearly between order statistics
    /// (the "type 7" rule of R and NumPy); nil for no values.
    public static func quantile(_ values: [Double], _ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (position - Double(lower)) * (sorted[upper] - sorted[lower])
    }

    public static func median(_ values: [Double]) -> Double? { quantile(values, 0.5) }

    /// The first and third quartiles.
    public static func interquartileRange(_ values: [Double]) -> (low: Double, high: Double)? {
        guard let low = quantile(values, 0.25), let high = quantile(values, 0.75) else { return nil }
        return (low, high)
    }

    /// A percentile bootstrap interval of the median: `resamples` resamples with replacement drawn
    /// from a generator seeded with `seed`, so the same values always give the same interval.
    public static func bootstrapMedianInterval(
        _ values: [Double], confidence: Double = 0.95, resamples: Int = 2000, seed: UInt64 = 20_260_101
    ) -> (low: Double, high: Double)? {
        guard !values.isEmpty else { return nil }
        var generator = SplitMix64(seed: seed)
        var medians: [Double] = []
        medians.reserveCapacity(resamples)
        for _ in 0..<resamples {
            let sample = (0..<values.count).map { _ in values[Int(generator.next() % UInt64(values.count))] }
            medians.append(median(sample)!)
        }
        let alpha = (1 - confidence) / 2
        return (quantile(medians, alpha)!, quantile(medians, 1 - alpha)!)
    }

    /// The Mann-Whitney U test of two samples.
    public struct RankTest: Sendable, Hashable, Codable {
        /// U of the first sample: pairs in which its value is larger, ties counting one half.
        public var u: Double
        /// The two-sided p-value.
        public var p: Double
        /// True when `p` is exact (all splits of the pooled ranks enumerated), else a normal approximation.
        public var exact: Bool
    }

    /// Splits of the pooled sample enumerated for an exact p-value; beyond it, the normal approximation.
    public static let exactSplitLimit = 200_000

    /// The Mann-Whitney U test of `x` against `y` (ties get their mean rank). The p-value is the
    /// share of all ways to split the pooled ranks into groups of these sizes whose U lies at least
    /// as far from its mean as the observed one (exact, ties included) when there are at most
    /// `exactSplitLimit` of them; else the tie-corrected normal approximation.
    public static func mannWhitney(_ x: [Double], _ y: [Double]) -> RankTest? {
        guard !x.isEmpty, !y.isEmpty else { return nil }
        let pooled = x + y
        let ranks = midranks(pooled)
        let n1 = Double(x.count), n2 = Double(y.count)
        let rankSum = ranks[..<x.count].reduce(0, +)
        let u = rankSum - n1 * (n1 + 1) / 2
        let mean = n1 * n2 / 2
        let observed = abs(u - mean)
        if binomial(pooled.count, x.count) <= Double(exactSplitLimit) {
            var extreme = 0, total = 0
            forEachSubset(of: pooled.count, size: x.count) { indices in
                let sum = indices.reduce(0.0) { $0 + ranks[$1] }
                total += 1
                if abs(sum - n1 * (n1 + 1) / 2 - mean) >= observed - 1e-9 { extreme += 1 }
            }
            return RankTest(u: u, p: Double(extreme) / Double(total), exact: true)
        }
        let n = n1 + n2
        let ties = Dictionary(grouping: pooled, by: { $0 }).values.reduce(0.0) { sum, group in
            let t = Double(group.count)
            return sum + (t * t * t - t)
        }
        let variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
        guard variance > 0 else { return RankTest(u: u, p: 1, exact: false) }
        let z = observed / variance.squareRoot()
        return RankTest(u: u, p: min(1, erfc(z / 2.0.squareRoot())), exact: false)
    }

    /// Ranks from 1, ties sharing their mean rank.
    static func midranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, values[order[end + 1]] == values[order[start]] { end += 1 }
            let rank = Double(start + end) / 2 + 1
            for position in start...end { ranks[order[position]] = rank }
            start = end + 1
        }
        return ranks
    }

    static func binomial(_ n: Int, _ k: Int) -> Double {
        guard k >= 0, k <= n else { return 0 }
        var result = 1.0
        for i in 0..<min(k, n - k) { result = result * Double(n - i) / Double(i + 1) }
        return result
    }

    /// Calls `body` with every `size`-element subset of 0..<n, in lexicographic order.
    static func forEachSubset(of n: Int, size: Int, _ body: ([Int]) -> Void) {
        var indices = Array(0..<size)
        while true {
            body(indices)
            var i = size - 1
            while i >= 0, indices[i] == n - size + i { i -= 1 }
            if i < 0 { return }
            indices[i] += 1
            for j in (i + 1)..<size { indices[j] = indices[j - 1] + 1 }
        }
    }
}
