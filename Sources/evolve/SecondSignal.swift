import Foundation
import Synchronization

/// After the first SIGINT or SIGTERM (a graceful stop, handled by the run's ServiceGroup), the
/// next one exits at once.
enum SecondSignal {
    /// Kept alive for the rest of the process; only touched under the lock.
    private static let sources = Mutex<[SignalSource]>([])

    /// A dispatch signal source, which is thread-safe once resumed.
    private struct SignalSource: @unchecked Sendable {
        let source: any DispatchSourceSignal
    }

    static let stoppingMessage = "stopping: finishing in-flight work, killing evaluations and saving the run (Ctrl-C again to quit at once)"

    /// Prints what happens now (when `announce`), and makes the next signal leave the dashboard's
    /// screen, if one is open, and exit with 130.
    @Sendable static func exitOnNext(announce: Bool = true) {
        if announce { printError("\n" + stoppingMessage) }
        let made = [SIGINT, SIGTERM].map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                TerminalScreen.closeOpenScreen()
                printError("stopping now")
                exit(130)
            }
            source.resume()
            return SignalSource(source: source)
        }
        sources.withLock { $0 += made }
    }
}
