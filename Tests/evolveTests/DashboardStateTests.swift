import EvolveCore
import Foundation
import Testing

@testable import evolve

/// A short run as the controller tells it: the start, a rejected answer, a crash, a new best, a fault, a migration.
private func sampleEvents() -> [EvolutionEvent] {
    [
        .runStarted(.init(runDirectory: "/tmp/knapsack/runs/1", model: "qwen2.5-coder:7b", backend: "process", iterations: 40, resumedPrograms: 0)),
        .programAdded(.init(
            iteration: 0, programID: ProgramID("a"), parentID: nil, island: 0, status: .success, score: 249, failureReason: nil,
            isNewBest: true, bestScore: 249, modelSeconds: 0, evaluationSeconds: 0.1)),
        .workInFlight(.init(modelCalls: 2, evaluations: 1, waiting: 0)),
        .mutationRejected(.init(iteration: 1, attempt: 1, kind: .noMatch, message: "SEARCH does not match")),
        .iterationFailed(.init(iteration: 1, reason: .rejected(.noMatch), message: "SEARCH does not match")),
        .programAdded(.init(
            iteration: 2, programID: ProgramID("b"), parentID: ProgramID("a"), island: 1, status: .crashed, score: nil,
            failureReason: "Traceback (most recent call last):\n\tZeroDivisionError: division by zero", isNewBest: false, bestScore: 249,
            modelSeconds: 1, evaluationSeconds: 0.2, runCost: 0.0125)),
        .programAdded(.init(
            iteration: 3, programID: ProgramID("c"), parentID: ProgramID("a"), island: 1, status: .success, score: 275, failureReason: nil,
            isNewBest: true, bestScore: 275, modelSeconds: 1, evaluationSeconds: 0.2, runCost: 0.025,
            verification: "held-out 40.0 (search 275.0)")),
        .modelFault(.init(model: "qwen2.5-coder:7b", kind: "timeout", message: "no answer", willRetry: true)),
        .migration(.init(from: 1, to: 0, programID: ProgramID("c"))),
    ]
}

private func state(after events: [EvolutionEvent], at start: Date) -> DashboardState {
    var state = DashboardState(goal: Goal(direction: .maximize, target: 275), iterations: 40, islands: 2)
    for event in events { state.apply(event, at: start) }
    return state
}

@Suite("terminal dashboard: state and frame")
struct DashboardStateTests {
    let start = Date(timeIntervalSince1970: 1_000_000)

    @Test("a frame shows the best score, the rate, the work in flight, the islands, the failures, faults and cost")
    func overview() {
        let lines = state(after: sampleEvents(), at: start).lines(width: 120, height: 40, now: start.addingTimeInterval(83)).map(\.plain)
        #expect(lines.count == 40)
        #expect(lines.allSatisfy { $0.count <= 120 })
        #expect(lines[0].contains("qwen2.5-coder:7b") && lines[0].contains("process sandbox") && lines[0].contains("elapsed 1:23"))
        #expect(lines.contains { $0.contains("best 275.0") && $0.contains("target 275.0") })
        #expect(lines.contains { $0.contains("iterations 3/40") && $0.contains("evaluations 3") && $0.contains("0.04 evals/s") && $0.contains("cost 0.0250") })
        #expect(lines.contains { $0.contains("in flight: 2 model calls · 1 evaluation · 0 waiting · rejected answers 1") })
        #expect(lines.contains { $0.contains("best so far ▁▁█") }, "the best-so-far sparkline climbs from 249 to 275: \(lines)")
        // Island 0 got the start and the migrant from island 1 (with its score); island 1 the crash and the new best.
        #expect(lines.contains { $0.contains("island 0  2 programs") && $0.hasSuffix("best 275.0") })
        #expect(lines.contains { $0.contains("island 1  2 programs") && $0.hasSuffix("best 275.0") })
        #expect(lines.contains { $0.contains("failures by reason: crashed 1 · no_match 1") })
        #expect(lines.contains { $0.contains("model faults: timeout 1") })
        #expect(lines.last?.contains("running · Ctrl-C stops and saves the run · migration: island 1 → 0") == true)
    }

    @Test("the last children come newest first, with island, status, score and a one-line failure reason")
    func lastChildren() throws {
        let lines = state(after: sampleEvents(), at: start).lines(width: 120, height: 40, now: start).map(\.plain)
        let header = try #require(lines.firstIndex { $0.contains("last children") })
        let rows = lines[(header + 2)...].prefix(4).map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(rows[0] == "3 1 success 275.0 new best held-out 40.0 (search 275.0)", "the honest verifiers' line follows a new best")
        #expect(rows[1] == "2 1 crashed - Traceback (most recent call last): ZeroDivisionError: division by zero")
        #expect(rows[2] == "1 - no child - no_match: SEARCH does not match")
        #expect(rows[3] == "start 0 success 249.0 new best")
    }

    @Test("a small terminal gets a frame of its size: every line fits, the status line stays last", arguments: [(40, 10), (20, 5), (200, 60), (1, 1)])
    func smallTerminal(width: Int, height: Int) {
        let lines = state(after: sampleEvents(), at: start).lines(width: width, height: height, now: start)
        #expect(lines.count == height)
        #expect(lines.allSatisfy { $0.count <= width && $0.plain.count <= width })
        #expect(lines.last?.plain.hasPrefix(String(" running".prefix(width - 1))) == true)
    }

    @Test("many children: as many rows as fit, the newest first")
    func manyChildren() {
        var events = Array(sampleEvents().prefix(2))
        for iteration in 1...200 {
            events.append(.programAdded(.init(
                iteration: iteration, programID: ProgramID("p\(iteration)"), parentID: ProgramID("a"), island: iteration % 2, status: .success,
                score: Double(iteration), failureReason: nil, isNewBest: false, bestScore: 249, modelSeconds: 0, evaluationSeconds: 0)))
        }
        let lines = state(after: events, at: start).lines(width: 100, height: 30, now: start).map(\.plain)
        let rows = lines.filter { $0.contains(" success ") }
        #expect(rows.first?.hasPrefix("   200 ") == true)
        #expect(rows.count > 5 && rows.count < 30)
    }

    @Test("after the first Ctrl-C the frame says the run is stopping; at the end, why it ended")
    func stoppingAndFinished() {
        var state = state(after: sampleEvents(), at: start)
        state.stopping = true
        #expect(state.lines(width: 140, height: 40, now: start).last?.plain.contains("stopping: finishing in-flight work") == true)
        state.apply(.runFinished(.init(reason: .targetReached, iterations: 3, bestScore: 275, bestProgramID: ProgramID("c"))), at: start.addingTimeInterval(10))
        let lines = state.lines(width: 140, height: 40, now: start.addingTimeInterval(500)).map(\.plain)
        #expect(lines.last == " finished: target reached")
        #expect(lines[0].contains("elapsed 0:10"), "the clock stops when the run ends")
    }

    @Test("styles reach the terminal as SGR codes, never the plain text, and clipping keeps them apart")
    func styles() {
        let lines = state(after: sampleEvents(), at: start).lines(width: 120, height: 40, now: start)
        let success = lines.first { $0.plain.contains(" success ") }
        #expect(success?.ansi.contains("\u{1B}[32msuccess") == true)
        #expect(lines.allSatisfy { !$0.plain.contains("\u{1B}") })
        var line = StyledLine("ab", .red)
        line.append("cdef")
        #expect(line.clipped(to: 4).plain == "abc…")
        #expect(line.clipped(to: 4).ansi == "\u{1B}[31mab\u{1B}[0mc…")
        #expect(line.clipped(to: 6) == line)
    }
}

@Suite("terminal dashboard: sparkline")
struct SparklineTests {
    @Test("a climbing series goes from the lowest bar to the highest; a flat one sits at mid height")
    func shapes() {
        #expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8], width: 20) == "▁▂▃▄▅▆▇█")
        #expect(sparkline([5, 5, 5], width: 10) == "▄▄▄")
        #expect(sparkline([], width: 10) == "")
        #expect(sparkline([1, 2], width: 0) == "")
    }

    @Test("a long series is squeezed into the width, and the newest value is the last bar")
    func squeezed() {
        let values = (0..<1000).map(Double.init)
        let line = sparkline(values, width: 10)
        #expect(line.count == 10)
        #expect(line.last == "█")
        #expect(sparkline(values + [-1], width: 10).last == "▁")
    }
}
