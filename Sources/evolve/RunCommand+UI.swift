import EvolveController
import EvolveWeb
import Foundation
import Logging
import Prometheus

/// `evolve run --ui`: the web page of `evolve serve`, beside the live run, on loopback.
struct RunUI {
    var port: Int
    var open: Bool
    var registry: PrometheusCollectorRegistry

    /// Serves the page of `run` while `body` runs; the server stops when the body returns or throws.
    func serving<T: Sendable>(_ run: Run, logger: Logger, _ body: () async throws -> T) async throws -> T {
        let server = WebServer(
            configuration: WebConfiguration(host: "127.0.0.1", port: port),
            catalog: RunCatalog(.live(name: run.directory.url.lastPathComponent, store: run.store)),
            registry: registry, logger: logger)
        let open = self.open
        return try await server.serving { port in
            let address = "http://127.0.0.1:\(port)/"
            printError("watch the run at \(address) (metrics at \(address)metrics)")
            if open { Self.openBrowser(address) }
            return try await body()
        }
    }

    /// Tries xdg-open (or open on macOS); a missing opener is only a notice.
    static func openBrowser(_ address: String) {
        let process = Process()
        #if os(macOS)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/open")
        #else
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        #endif
        process.arguments = (process.executableURL?.path == "/usr/bin/env" ? ["xdg-open"] : []) + [address]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { printError("could not open a browser (\(error.localizedDescription)); open \(address)") }
    }
}
