import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One process at a time per run: an exclusive `flock` on the run folder's `evolve.lock`, held
/// while the run executes and released when the process ends however it ends (the kernel drops
/// the lock with the descriptor, so a killed run leaves nothing to clean up). The file keeps
/// the holder's pid for the message another process gets.
public final class RunLock: Sendable {
    public static let fileName = "evolve.lock"

    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close(descriptor) }

    /// Takes the lock of `directory` (which must exist), or throws `RunSetupError.inUse`.
    public static func acquire(_ directory: RunDirectory) throws -> RunLock {
        let path = directory.url.appendingPathComponent(fileName).path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw RunSetupError(.store, "cannot open the run's lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(descriptor)
            let who = Int32(holder).map { "Evolve process \($0)" } ?? "another Evolve process"
            throw RunSetupError(.inUse, "the run in \(directory.url.path) is in use by \(who); wait for it to end or stop it, then resume")
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = pid.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        return RunLock(descriptor: descriptor)
    }
}
