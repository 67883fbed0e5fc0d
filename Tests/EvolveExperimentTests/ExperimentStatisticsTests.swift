import EvolveExperiment
import EvolveController
import Foundation
import Testing

/// The statistics of the experiment report, on values whose answers are known.
@Suite struct ExperimentStatisticsTests {
    @Test("median and quartiles interpolate between order statistics")
    func quantiles() throws {
        #expect(Statistics.median([3, 1, 2]) == 2)
        #expect(Statistics.median([4, 1, 3, 2]) == 2.5)
        #expect(Statistics.median([]) == nil)
        let range = try #require(Statistics.interquartileRange([1, 2, 3, 4, 5]))
        #expect(range.low == 2 && range.high == 4)
        let even = try #require(Statistics.interquartileRange([1, 2, 3, 4]))
        #expect(even.low == 1.75 && even.high == 3.25)
    }

    @Test("the bootstrap interval is the same every time, brackets the median, and is a point for equal values")
    func bootstrap() throws {
        let values: [Double] = [12, 7, 9, 20, 15, 11, 8, 30]
        let first = try #require(Statistics.bootstrapMedianInterval(values))
        let second = try #require(Statistics.bootstrapMedianInterval(values))
        #expect(first == second)
        let median = try #require(Statistics.median(values))
        #expect(first.low <= median && median <= first.high)
        #expect(first.low >= 7 && first.high <= 30)
        #expect(first.low < first.high)
        let other = try #require(Statistics.bootstrapMedianInterval(values, seed: 7))
        #expect(other.low >= 7 && other.high <= 30)
        let flat = try #require(Statistics.bootstrapMedianInterval([5, 5, 5]))
        #expect(flat.low == 5 && flat.high == 5)
    }

    @Test("Mann-Whitney U: fully separated samples of 3 give U = 0 and the exact two-sided p = 2/20")
    func rankTestSeparated() throws {
        let test = try #require(Statistics.mannWhitney([1, 2, 3], [4, 5, 6]))
        #expect(test.u == 0)
        #expect(test.exact)
        #expect(abs(test.p - 0.1) < 1e-12)
        let reversed = try #require(Statistics.mannWhitney([4, 5, 6], [1, 2, 3]))
        #expect(reversed.u == 9 && abs(reversed.p - 0.1) < 1e-12)
    }

    @Test("Mann-Whitney U: identical samples give p = 1; ties share their mean rank")
    func rankTestTies() throws {
        let same = try #require(Statistics.mannWhitney([275, 275, 275], [275, 275, 275]))
        #expect(same.u == 4.5 && same.p == 1)
        // x = [1, 2, 2], y = [2, 3, 4]: pairs where x is larger 0, ties 2 → U = 1.
        let tied = try #require(Statistics.mannWhitney([1, 2, 2], [2, 3, 4]))
        #expect(tied.u == 1)
        #expect(tied.p > 0.1 && tied.p < 1)
    }

    @Test("Mann-Whitney U: 10 against 10 separated is exact (184756 splits), 2/184756; larger samples use the normal approximation")
    func rankTestLarge() throws {
        let exact = try #require(Statistics.mannWhitney((1...10).map(Double.init), (11...20).map(Double.init)))
        #expect(exact.exact)
        #expect(abs(exact.p - 2.0 / 184_756) < 1e-12)
        let normal = try #require(Statistics.mannWhitney((1...15).map(Double.init), (16...30).map(Double.init)))
        #expect(!normal.exact)
        #expect(normal.u == 0)
        // z = 112.5 / sqrt(15 * 15 * 31 / 12) = 4.666; two-sided p = erfc(z / sqrt 2) ≈ 3.07e-6.
        #expect(normal.p > 2.9e-6 && normal.p < 3.3e-6)
    }

    @Test("the SVG plot has a band and a median line per series, and escapes names")
    func svg() {
        let plot = SVGPlot(
            title: "a <b>", xLabel: "model calls", yLabel: "best",
            series: [
                .init(name: "greedy", points: [(0, 1, 0, 2), (1, 2, 1, 3)]),
                .init(name: "random & co", points: [(0, 1, 1, 1), (1, 1, 1, 1)]),
            ])
        let svg = plot.render()
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.components(separatedBy: "<polygon").count == 3)
        #expect(svg.components(separatedBy: "<polyline").count == 3)
        #expect(svg.contains("a &lt;b&gt;") && svg.contains("random &amp; co"))
    }
}
