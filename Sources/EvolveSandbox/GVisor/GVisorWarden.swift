import Foundation
import Synchronization
import Subprocess

#if canImport(Glibc)
import Glibc
#endif

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Removes what the sandboxes of an evolve that was killed leave on the host once their processes
/// are gone (see `GVisorSandbox+Lifetime.swift` for those): the tmpfs mounts, bundles and runsc
/// records under the sandbox's directory, and its empty cgroups.
///
/// A small shell waits on a pipe whose only write end evolve holds. A kill closes that end, the
/// shell reads end of file and cleans up. A sandbox that shuts down normally kills the shell first
/// and cleans up itself. The directory reaches the shell through its environment, not its
/// arguments, so that it never counts as one of the sandbox's processes.
final class GVisorWarden: Sendable {
    private let group = ProcessGroup()
    private let lifeline: FileDescriptor
    private let lifetime = Mutex<Task<Void, Never>?>(nil)

    static let script = """
        [ -n "$EVOLVE_SANDBOX_ROOT" ] || exit 2
        cat >/dev/null
        sleep 1
        awk -v root="$EVOLVE_SANDBOX_ROOT/" 'index($2, root) == 1 { print $2 }' /proc/self/mounts | sort -r |
            while read -r point; do umount -l "$point"; done
        rmdir /sys/fs/cgroup/*/evolve/"$EVOLVE_SANDBOX_PREFIX"-* /sys/fs/cgroup/evolve/"$EVOLVE_SANDBOX_PREFIX"-* 2>/dev/null
        rm -rf "$EVOLVE_SANDBOX_ROOT"
        """

    /// Starts the warden of the sandbox directory `root`, whose containers are named `prefix-…`.
    init(root: URL, prefix: String) throws {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            throw SandboxError(.setupFailed, "could not make a pipe for the gVisor sandbox's warden: \(String(cString: strerror(errno)))")
        }
        // No other child may hold the write end (Glibc's module does not export pipe2).
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        lifeline = FileDescriptor(rawValue: ends[1])
        let input = FileDescriptor(rawValue: ends[0])
        let group = self.group
        let options: PlatformOptions = {
            var options = PlatformOptions()
            options.processGroupID = 0  // a terminal's Ctrl-C is for evolve, which then stops the warden
            return options
        }()
        let environment: [Environment.Key: String] = [
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "EVOLVE_SANDBOX_ROOT": root.path, "EVOLVE_SANDBOX_PREFIX": prefix,
        ]
        lifetime.withLock {
            $0 = Task.detached {
                _ = try? await Subprocess.run(
                    .path("/bin/sh"), arguments: ["-c", Self.script], environment: .custom(environment), platformOptions: options,
                    input: .fileDescriptor(input, closeAfterSpawningProcess: true), output: .discarded, error: .discarded
                ) { execution in
                    group.started(execution.processIdentifier.value)
                }
            }
        }
    }

    /// Ends the warden without letting it clean up.
    func stop() async {
        group.kill()
        await lifetime.withLock { $0 }?.value
        try? lifeline.close()
    }
}
