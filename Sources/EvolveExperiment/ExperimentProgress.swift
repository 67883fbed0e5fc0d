import EvolveController
import Foundation
import Synchronization

/// Counts an experiment's runs (done, running, failed, left) and says each change in one line.
final class ExperimentProgress: Sendable {
    struct Counts: Sendable {
        var done = 0
        var running = 0
        var failed: [(run: String, message: String)] = []
        var interrupted = 0
        /// Runs another process holds.
        var elsewhere = 0
        /// Set when the experiment was asked to stop: no run starts after that.
        var stopping = false
    }

    let total: Int
    private let counts: Mutex<Counts>
    private let say: @Sendable (String) -> Void

    init(total: Int, done: Int, say: @escaping @Sendable (String) -> Void) {
        self.total = total
        self.counts = Mutex(Counts(done: done))
        self.say = say
    }

    var snapshot: Counts { counts.withLock { $0 } }

    func started(_ run: String) {
        counts.withLock { $0.running += 1 }
        report("started \(run)")
    }

    func finished(_ run: String, _ what: String) {
        counts.withLock {
            $0.running -= 1
            $0.done += 1
        }
        report("\(run): \(what)")
    }

    func failed(_ run: String, _ message: String) {
        counts.withLock {
            $0.running -= 1
            $0.failed.append((run, message))
        }
        report("\(run) failed: \(message)")
    }

    /// A run that ended as interrupted (it resumes when the experiment starts again).
    func interrupted(_ run: String) {
        counts.withLock {
            $0.running -= 1
            $0.interrupted += 1
        }
        report("\(run): interrupted (resumes when the experiment starts again)")
    }

    /// A run another process is executing: this experiment leaves it to that process.
    func elsewhere(_ run: String) {
        counts.withLock {
            $0.running -= 1
            $0.elsewhere += 1
        }
        report("\(run): running in another process, left to it")
    }

    /// Asks the experiment to stop; true the first time.
    func stop() -> Bool {
        counts.withLock { counts in
            defer { counts.stopping = true }
            return !counts.stopping
        }
    }

    var isStopping: Bool { counts.withLock { $0.stopping } }

    /// A run that stopped the whole experiment (its setup failed).
    func aborted() {
        counts.withLock { $0.running -= 1 }
    }

    func report(_ event: String) {
        let counts = snapshot
        let failures = counts.failed.isEmpty ? "" : ", \(counts.failed.count) failed"
        let left = total - counts.done - counts.running - counts.failed.count - counts.interrupted - counts.elsewhere
        let elsewhere = counts.elsewhere == 0 ? "" : ", \(counts.elsewhere) elsewhere"
        say("experiment: \(counts.done)/\(total) done, \(counts.running) running, \(left) left\(failures)\(elsewhere) — \(event)")
    }
}
