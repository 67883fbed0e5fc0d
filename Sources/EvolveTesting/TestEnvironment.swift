import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Which tests that need a tool of this machine run here, for `.enabled(if:)`.
///
/// CI installs every tool, so when `CI` is set these are true whatever this machine has: a test
/// whose tool is missing there fails instead of being skipped. Elsewhere a test without its tool
/// shows as skipped.
public enum TestEnvironment {
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

    /// gVisor's runsc is installed and this is root (the gVisor backend sets cgroup limits).
    public static var hasGVisor: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/runsc") && getuid() == 0 }

    /// Run the tests that need runsc.
    public static var runsGVisorTests: Bool { isCI || hasGVisor }

    /// Run the tests that need podman's Docker-compatible service (with runsc).
    public static var runsPodmanTests: Bool { isCI || PodmanService.isInstalled }

    /// Debian's /usr/bin/python3 can make virtual environments (python3-venv).
    public static var hasVenv: Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-I", "-c", "import ensurepip, venv"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// Run the tests that make virtual environments with /usr/bin/python3.
    public static var runsVenvTests: Bool { isCI || hasVenv }

    /// The sqlite3 command-line tool is installed (it opens a run's database beside a running evolve).
    public static var hasSQLite3: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") }

    /// Run the tests that read a run's database with the sqlite3 command-line tool.
    public static var runsSQLite3Tests: Bool { isCI || hasSQLite3 }

    /// Run the peer arms' tests: they install OpenEvolve and ShinkaEvolve from PyPI with Debian's
    /// python3 (python3-venv) into ~/.cache/evolve/peers, once.
    public static var runsPeerTests: Bool { isCI || FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") }

    /// Run the tests that start a Slurm cluster of their own (munged, slurmctld, slurmd; as root).
    public static var runsSlurmTests: Bool { isCI || SlurmCluster.isInstalled }
}
