/// A row of block characters, one per bucket of `values`, scaled between the smallest and the
/// largest value (a flat series is drawn at mid height). Long series are squeezed into `width`
/// buckets, each showing its last value, so the right end is always the newest.
func sparkline(_ values: [Double], width: Int) -> String {
    let bars: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    guard width > 0, !values.isEmpty else { return "" }
    let buckets = min(width, values.count)
    let sampled = (0..<buckets).map { bucket in values[((bucket + 1) * values.count) / buckets - 1] }
    let low = sampled.min() ?? 0
    let high = sampled.max() ?? 0
    guard high > low, high.isFinite, low.isFinite else { return String(repeating: bars[3], count: buckets) }
    return String(sampled.map { value in
        let level = Int(((value - low) / (high - low) * Double(bars.count - 1)).rounded())
        return bars[min(max(level, 0), bars.count - 1)]
    })
}
