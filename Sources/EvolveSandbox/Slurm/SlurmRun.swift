import EvolveCore
import Foundation
import Logging

/// A run's folder on the shared path, `SHARED/evolve-XXXXXX/`: the launcher, the evaluations'
/// folders under `jobs/`, and with isolation `gvisor` the read-only root and `/etc` the gVisor
/// backend lays out for its sandboxes, made here once for every node to bind.
struct SlurmRun: Sendable {
    let url: URL
    var launcher: URL { url.appendingPathComponent(SlurmLauncher.fileName) }
    /// The gVisor backend that makes the OCI bundles (isolation `gvisor`); it never runs one here.
    let gvisor: GVisorSandbox?

    /// Writes the launcher and, for isolation `gvisor`, the sandboxes' root.
    static func prepare(at url: URL, configuration: SlurmSandbox.Configuration, logger: Logger) async throws -> SlurmRun {
        _ = try SlurmLauncher.install(in: url)
        guard configuration.slurm.isolation == .gvisor else { return SlurmRun(url: url, gvisor: nil) }
        let gvisor = GVisorSandbox(
            configuration: GVisorSandbox.Configuration(configuration.sandbox, runsc: configuration.runsc, temporaryRoot: url), logger: logger)
        try await gvisor.prepare()
        return SlurmRun(url: url, gvisor: gvisor)
    }

    /// Removes the run's folder (and the gVisor root's, with its warden).
    func remove() async {
        await gvisor?.shutdown()
        try? FileManager.default.removeItem(at: url)
    }
}
