import EvolveCore
import Foundation
import Synchronization

/// The live full-screen view of a run on a terminal: folds the run's events into a
/// `DashboardState` as they come, and redraws it on the alternate screen at most four times a
/// second, at the terminal's size of the moment. It reads its own subscription, so it never
/// slows the run; `finish` leaves the normal screen as it was, for the summary.
final class Dashboard: RunDisplay {
    /// Time between frames: at most four redraws a second.
    static let frameInterval = Duration.milliseconds(250)

    private let state: Mutex<DashboardState>
    private let screen = TerminalScreen()
    private let drawing = Mutex<Task<Void, Never>?>(nil)

    init(goal: Goal, iterations: Int, islands: Int) {
        state = Mutex(DashboardState(goal: goal, iterations: iterations, islands: islands))
    }

    func follow(_ events: AsyncStream<EvolutionEvent>) -> Task<Void, Never> {
        screen.open()
        let drawer = Task { [self] in
            while !Task.isCancelled {
                draw()
                try? await Task.sleep(for: Self.frameInterval)
            }
        }
        drawing.withLock { $0 = drawer }
        return Task { [self] in
            for await event in events { state.withLock { $0.apply(event) } }
        }
    }

    /// The first Ctrl-C: the frame says the run is stopping; the next one quits at once.
    func stopping() {
        state.withLock { $0.stopping = true }
        SecondSignal.exitOnNext(announce: false)
    }

    /// Stops drawing and gives the terminal back: the normal screen, where what the run was and
    /// (after a Ctrl-C) that it stopped are printed for the summary that follows.
    func finish() {
        drawing.withLock { $0 }?.cancel()
        screen.close()
        let state = state.withLock { $0 }
        if !state.model.isEmpty {
            printError("evolved with \(state.model) in the \(state.backend) sandbox\n  run: \(state.runDirectory)")
        }
        if state.stopping { printError(SecondSignal.stoppingMessage) }
    }

    private func draw() {
        let size = TerminalScreen.size()
        let lines = state.withLock { $0.lines(width: size.width, height: size.height, now: Date()) }
        screen.draw(lines, size: size)
    }
}
