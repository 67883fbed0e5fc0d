import EvolveCore
import Foundation

extension DashboardState {
    /// The frame for a terminal of `width` × `height` characters: at most `height` lines, none
    /// longer than `width`. The last line says whether the run goes on, is stopping, or ended;
    /// the list of the last children takes the room that is left.
    func lines(width: Int, height: Int, now: Date) -> [StyledLine] {
        guard width > 0, height > 0 else { return [] }
        var top = [header(width: width, now: now)]
        top += overview(width: width, now: now)
        top.append(StyledLine())
        top += islandLines()
        top.append(StyledLine())
        top += countLines()
        top.append(StyledLine())
        let room = height - top.count - 1
        var frame = top + childLines(room: room)
        frame = Array(frame.prefix(height - 1))
        while frame.count < height - 1 { frame.append(StyledLine()) }
        frame.append(statusLine())
        return frame.map { $0.clipped(to: width) }
    }

    private func header(width: Int, now: Date) -> StyledLine {
        let left = " evolve · \(model.isEmpty ? "starting" : model) · \(backend.isEmpty ? "-" : backend) sandbox"
        let right = "elapsed \(clock(elapsed(at: now))) "
        let gap = max(1, width - left.count - right.count)
        return StyledLine(left + String(repeating: " ", count: gap) + right, .inverse)
    }

    private func overview(width: Int, now: Date) -> [StyledLine] {
        var best = StyledLine(" best ")
        best.append(self.best.map(formatScore) ?? "-", .bold)
        if let target = goal.target { best.append("   target \(formatScore(target)) (\(goal.direction.rawValue))") }
        let label = " best so far "
        var spark = StyledLine(label)
        spark.append(sparkline(bestHistory, width: max(0, width - label.count - 1)), .green)
        var counts = StyledLine(" iterations \(finishedIterations)/\(totalIterations) · evaluations \(evaluations) · ")
        counts.append(String(format: "%.2f evals/s", rate(at: now)))
        if cost > 0 { counts.append(" · cost " + String(format: "%.4f", cost)) }
        let work = StyledLine(
            " in flight: \(plural(inFlight.modelCalls, "model call")) · \(plural(inFlight.evaluations, "evaluation"))"
                + " · \(inFlight.waiting) waiting · rejected answers \(rejectedAnswers)")
        return [best, spark, counts, work]
    }

    private func islandLines() -> [StyledLine] {
        var lines = [StyledLine(" islands", .bold)]
        let shown = 8
        for (number, island) in islands.sorted(by: { $0.key < $1.key }).prefix(shown) {
            lines.append(StyledLine(
                "   island \(number)  " + pad(plural(island.programs, "program"), 12) + "  best " + (island.best.map(formatScore) ?? "-")))
        }
        if islands.count > shown { lines.append(StyledLine("   … \(islands.count - shown) more islands", .dim)) }
        return lines
    }

    private func countLines() -> [StyledLine] {
        func listed(_ counts: [String: Int]) -> String {
            counts.isEmpty ? "none" : counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: " · ")
        }
        var failuresLine = StyledLine(" failures by reason: ", .bold)
        failuresLine.append(listed(failures), failures.isEmpty ? nil : .red)
        var faultsLine = StyledLine(" model faults: ", .bold)
        faultsLine.append(listed(faults), faults.isEmpty ? nil : .yellow)
        return [failuresLine, faultsLine]
    }

    private func childLines(room: Int) -> [StyledLine] {
        guard room > 1 else { return [] }
        var lines = [StyledLine(" last children", .bold)]
        lines.append(StyledLine("   " + pad("iteration", 10) + pad("island", 7) + pad("status", 16) + pad("score", 12) + "failure reason", .dim))
        if children.isEmpty { lines.append(StyledLine("   (none yet)", .dim)) }
        for child in children.prefix(max(0, room - 2)) {
            var line = StyledLine("   " + pad(child.iteration == 0 ? "start" : "\(child.iteration)", 10) + pad(child.island.map(String.init) ?? "-", 7))
            line.append(pad(child.status, 16), child.succeeded ? .green : child.status == "no child" ? .yellow : .red)
            line.append(pad(child.score.map(formatScore) ?? "-", 12))
            if child.isNewBest { line.append("new best ", .bold) }
            if let verification = child.verification, child.succeeded { line.append(verification + " ", .dim) }
            if let reason = child.reason, !child.succeeded { line.append(oneLine(reason)) }
            lines.append(line)
        }
        return lines
    }

    private func statusLine() -> StyledLine {
        if let finish {
            return StyledLine(" finished: \(finish.reason.rawValue.replacingOccurrences(of: "_", with: " "))", .bold)
        }
        if stopping { return StyledLine(" " + SecondSignal.stoppingMessage, .yellow) }
        var line = StyledLine(" running · Ctrl-C stops and saves the run", .dim)
        if let lastNote { line.append(" · " + lastNote, .dim) }
        return line
    }
}

/// `seconds` as h:mm:ss, or m:ss under an hour.
func clock(_ seconds: TimeInterval) -> String {
    let total = Int(seconds)
    let (hours, minutes, rest) = (total / 3600, (total / 60) % 60, total % 60)
    return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
}

private func plural(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}

private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}

/// Untrusted text (a failure reason) on one line, without control characters.
private func oneLine(_ text: String) -> String {
    text.unicodeScalars.map { CharacterSet.controlCharacters.contains($0) ? " " : String($0) }.joined()
        .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
}
