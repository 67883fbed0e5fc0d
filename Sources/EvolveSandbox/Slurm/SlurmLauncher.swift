import Foundation

/// The launcher `srun` runs on a node for each evaluation (evolve-slurm-launch.py, embedded in
/// evolve at build time), installed once per run on the shared path. It needs only the node's
/// Python 3 (Debian's `python3`), no evolve.
enum SlurmLauncher {
    static let fileName = "evolve-slurm-launch.py"

    /// Writes the launcher into `directory`; returns its path.
    static func install(in directory: URL) throws -> URL {
        let url = directory.appendingPathComponent(fileName)
        do {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("jobs"), withIntermediateDirectories: true)
            try Data(PackageResources.evolve_slurm_launch_py).write(to: url)
        } catch {
            throw SandboxError(
                .setupFailed,
                "could not write the launcher into \(directory.path): \(error.localizedDescription); "
                    + "set `sandbox.slurm.shared_directory` to a writable folder every node sees")
        }
        return url
    }

    /// The task srun runs: the node's Python in isolated mode (no PYTHON* variables, no user
    /// site) and without `site` at all, which the launcher does not need (10–60 ms less per start).
    static func command(_ launcher: URL, job: SlurmJobDirectory) -> [String] {
        ["python3", "-I", "-S", launcher.path, job.url.path, job.nonce]
    }
}
