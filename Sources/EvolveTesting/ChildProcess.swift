import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process run to its end with `posix_spawn` and `waitpid`, for the Slurm test cluster's
/// daemons and client commands. Foundation's `Process` never noticed the end of a daemon's
/// foreground part here (it forks and exits at once: `waitUntilExit` hung beside a zombie), and
/// the sandbox's own swift-subprocess waits on pidfds, so it reaps no child of ours.
enum ChildProcess {
    /// Runs `executable` with exactly `environment`, standard input from /dev/null and standard
    /// output and error into `output`; returns its exit status (128 + n for a death by signal n).
    static func run(_ executable: String, _ arguments: [String], environment: [String: String], output: URL) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid = pid_t()
        let error = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard error == 0 else {
            throw SlurmCluster.Failure(description: "could not start \(executable): \(String(cString: strerror(error)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
