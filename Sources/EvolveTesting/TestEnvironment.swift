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

    /// Run the tests that start a Slurm cluster of their own (munged, slurmctld, slurmd; as root).
    public static var runsSlurmTests: Bool { isCI || SlurmCluster.isInstalled }
}
