import ArgumentParser
import EvolveController
import EvolveWeb
import Foundation
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a read-only web page of a run, or of all runs of a problem directory.",
        discussion: """
            RUN_OR_DIR is a run folder (holding evolve.sqlite) or a problem directory, whose runs are listed \
            and can be compared. The page shows the score over time, the lineage tree, every program with \
            its diff, answers and evaluation output, the archive and the models; it follows a run that is \
            still going. Also serves Prometheus metrics at /metrics.

            Only loopback by default. Any other --host needs a token: give one with --token, or one is made \
            and printed once; every request without it is refused, and the page asks for it.
            """
    )

    @Argument(help: "A run folder or a problem directory.", completion: .directory)
    var runOrDirectory: String

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one).")
    var port = 8420

    @Option(help: "The access token every request must carry (required, and generated if not given, off loopback).")
    var token: String?

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
        if let token, token.isEmpty || token.contains(where: { $0.isWhitespace || $0 == ";" }) {
            throw ValidationError("--token must be non-empty, without spaces or semicolons")
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        guard let source = RunCatalog.source(for: runOrDirectory) else {
            printError("error: no run found at \(runOrDirectory) (expected a run folder with \(RunDirectory.databaseName), or a problem directory with runs/)")
            throw ExitStatus.nothingFound
        }
        let (configuration, generated) = WebConfiguration(host: host, port: port, token: token).withRequiredToken()
        let server = WebServer(
            configuration: configuration, catalog: RunCatalog(source), registry: PrometheusSetup.bootstrap(),
            logger: Logger(label: "evolve.web"))
        let host = self.host
        do {
            try await server.run { port in
                printOut("serving \(runOrDirectory) at http://\(Self.urlHost(host)):\(port)/ (read-only; Ctrl-C stops)")
                if generated, let token = configuration.token {
                    printOut("access token (shown once): \(token)")
                }
            }
        } catch {
            printError("error: cannot serve on \(host):\(port): \(error)")
            throw ExitStatus.harnessFailure
        }
    }

    static func urlHost(_ host: String) -> String { host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host }
}

/// Writes one line to standard output at once (also when it is a file or a pipe).
func printOut(_ message: String) {
    FileHandle.standardOutput.write(Data((message + "\n").utf8))
}
