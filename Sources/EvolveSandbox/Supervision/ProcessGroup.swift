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

    /// Waits, at most `limit`, until no process of the group is left (a SIGKILLed grandchild
    /// takes a moment to die, longer on a loaded machine), so that a caller that returns next
    /// leaves nothing running. Costs nothing when the group is already empty.
    func awaitEmpty(within limit: Duration = .seconds(1)) async {
        guard let leader = state.withLock({ $0.leader }), Glibc.kill(-leader, 0) == 0 else { return }
        // A task of its own: the caller may be cancelled, and its sleeps would then end at once.
        await Task.detached {
            let deadline = ContinuousClock.now + limit
            while Glibc.kill(-leader, 0) == 0, ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(5))
            }
        }.value
    }
}
