import EvolveController
import EvolveCore
import Foundation

/// A line chart as SVG text: one median line and a shaded band (its quartiles) per series.
public struct SVGPlot: Sendable {
    public struct Series: Sendable {
        public var name: String
        /// (x, median, low, high), in increasing x.
        public var points: [(x: Double, median: Double, low: Double, high: Double)]

        public init(name: String, points: [(x: Double, median: Double, low: Double, high: Double)]) {
            self.name = name
            self.points = points
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var width = 720.0
    public var height = 420.0

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    public func render() -> String {
        let (left, right, top, bottom) = (70.0, 160.0, 40.0, 50.0)
        let all = series.flatMap(\.points)
        let xs = all.map(\.x), ys = all.flatMap { [$0.low, $0.high, $0.median] }
        var (x0, x1) = (xs.min() ?? 0, xs.max() ?? 1)
        var (y0, y1) = (ys.min() ?? 0, ys.max() ?? 1)
        if x1 <= x0 { x1 = x0 + 1 }
        if y1 <= y0 { (y0, y1) = (y0 - 1, y1 + 1) }
        let pad = (y1 - y0) * 0.05
        (y0, y1) = (y0 - pad, y1 + pad)
        if x0 > 0 { x0 = 0 }
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * plotWidth }
        func py(_ y: Double) -> Double { top + (1 - (y - y0) / (y1 - y0)) * plotHeight }
        var out = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"sans-serif\" font-size=\"12\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(f(left))\" y=\"24\" font-size=\"15\">\(escape(title))</text>",
            "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#444\"/>",
        ]
        for tick in 0...5 {
            let x = x0 + (x1 - x0) * Double(tick) / 5, y = y0 + (y1 - y0) * Double(tick) / 5
            out.append("<line x1=\"\(f(px(x)))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(px(x)))\" y2=\"\(f(top + plotHeight + 5))\" stroke=\"#444\"/>")
            out.append("<text x=\"\(f(px(x)))\" y=\"\(f(top + plotHeight + 18))\" text-anchor=\"middle\">\(label(x))</text>")
            out.append("<line x1=\"\(f(left - 5))\" y1=\"\(f(py(y)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(py(y)))\" stroke=\"#ddd\"/>")
            out.append("<text x=\"\(f(left - 8))\" y=\"\(f(py(y) + 4))\" text-anchor=\"end\">\(label(y))</text>")
        }
        out.append("<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 10))\" text-anchor=\"middle\">\(escape(xLabel))</text>")
        out.append("<text transform=\"translate(16 \(f(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>")
        for (index, item) in series.enumerated() where !item.points.isEmpty {
            let color = Self.colors[index % Self.colors.count]
            let upper = item.points.map { "\(f(px($0.x))),\(f(py($0.high)))" }
            let lower = item.points.reversed().map { "\(f(px($0.x))),\(f(py($0.low)))" }
            out.append("<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(color)\" fill-opacity=\"0.18\" stroke=\"none\"/>")
            let line = item.points.map { "\(f(px($0.x))),\(f(py($0.median)))" }.joined(separator: " ")
            out.append("<polyline points=\"\(line)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>")
            let legendY = top + 10 + Double(index) * 20
            out.append("<line x1=\"\(f(left + plotWidth + 12))\" y1=\"\(f(legendY))\" x2=\"\(f(left + plotWidth + 36))\" y2=\"\(f(legendY))\" stroke=\"\(color)\" stroke-width=\"3\"/>")
            out.append("<text x=\"\(f(left + plotWidth + 42))\" y=\"\(f(legendY + 4))\">\(escape(item.name))</text>")
        }
        out.append("<text x=\"\(f(left + plotWidth + 12))\" y=\"\(f(top + 10 + Double(series.count) * 20 + 4))\" fill=\"#666\">band: quartiles</text>")
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }

    private func label(_ value: Double) -> String {
        abs(value) >= 1000 || value == value.rounded() ? String(format: "%.0f", value) : String(format: "%.3g", value)
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

extension ExperimentReport {
    /// One plot per problem: best score against model calls, per variant.
    public func plots() -> [(problem: String, svg: String)] {
        problems.map { problem in
            let series = problem.variants.map { variant in
                SVGPlot.Series(name: variant.variant, points: variant.curve.map { (Double($0.calls), $0.median, $0.q1, $0.q3) })
            }
            let plot = SVGPlot(
                title: "\(problem.problem): best score against model calls (median, quartile band)", xLabel: "model calls",
                yLabel: "best score (\(problem.direction.rawValue))", series: series)
            return (problem.problem, plot.render())
        }
    }

    /// Writes report.md, report.json and PROBLEM.svg into `directory`.
    public func write(to directory: URL, title: String) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try markdown(title: title).write(to: directory.appendingPathComponent("report.md"), atomically: true, encoding: .utf8)
        try json().write(to: directory.appendingPathComponent("report.json"), options: .atomic)
        for (problem, svg) in plots() {
            try svg.write(to: directory.appendingPathComponent("\(problem).svg"), atomically: true, encoding: .utf8)
        }
    }
}
