import Foundation
import Synchronization

/// After the first SIGINT or SIGTERM (a graceful stop, handled by the run's ServiceGroup), the
/// next one exits at once.
enum SecondSignal {
    private static let sources = Mutex<[any DispatchSourceSignal]>([])

    @Sendable static func exitOnNext() {
        printError("\nstopping: finishing in-flight work, killing evaluations and saving the run (Ctrl-C again to quit at once)")
        let made = [SIGINT, SIGTERM].map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                printError("stopping now")
                exit(130)
            }
            source.resume()
            return source
        }
        sources.withLock { $0 += made }
    }
}
