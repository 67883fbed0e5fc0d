import EvolveCore

/// How `evolve run` shows a run while it goes: the terminal dashboard, or the progress line.
protocol RunDisplay: Sendable {
    /// Shows every event of a subscription until it ends.
    func follow(_ events: AsyncStream<EvolutionEvent>) -> Task<Void, Never>
    /// The first Ctrl-C or SIGTERM: the run stops gracefully; the next signal quits at once.
    func stopping()
    /// The run ended (or failed): the summary follows on a clean line.
    func finish()
}

extension ProgressReporter: RunDisplay {
    func stopping() {
        SecondSignal.exitOnNext(announce: true)
    }
}
