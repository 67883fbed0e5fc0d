import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The process group of one supervised child, killed as a whole. A kill requested before the
/// group's leader is known is carried out the moment it is.
final class ProcessGroup: Sendable {
    private let state = Mutex<(leader: pid_t?, killed: Bool)>((nil, false))

    func started(_ pid: pid_t) {
        let killNow = state.withLock { state -> Bool in
            state.leader = pid
            return state.killed
        }
        if killNow { _ = Glibc.kill(-pid, SIGKILL) }
    }

    /// Sends `signal` to the group's leader alone, if it is known (the group's kill follows).
    func signalLeader(_ signal: Int32) {
        if let leader = state.withLock({ $0.leader }) { _ = Glibc.kill(leader, signal) }
    }

    func kill() {
        let leader = state.withLock { state -> pid_t? in
            state.killed = true
            return state.leader
        }
        if let leader { _ = Glibc.kill(-leader, SIGKILL) }
    }
}
