import Foundation

/// A sandbox lives no longer than the evolve process that started it.
///
/// `runsc run` leads a process group of its own (so that a terminal's Ctrl-C reaches evolve, which
/// stops evaluations itself), so a SIGKILLed evolve used to leave it running, with its sandbox and
/// file proxy, until the next `evolve run` swept them. Now `runsc run` starts behind util-linux's
/// `setpriv --pdeathsig KILL`: the kernel SIGKILLs it when its parent dies. runsc in turn starts its
/// sandbox and gofer "attached" (with the parent-death signal set to SIGKILL), so they die with it.
///
/// The parent-death signal follows the thread that forked, not the process. Every child of
/// swift-subprocess is spawned by its one worker thread, which lives as long as the process, so the
/// signal fires when evolve dies and not when some worker thread of a pool retires.
///
/// What processes leave on the host (the tmpfs mounts, bundles, runsc records, cgroups) is removed
/// by `GVisorWarden` a second after evolve dies.
extension GVisorSandbox {
    static let setpriv = "/usr/bin/setpriv"

    /// The executable and arguments that start `runsc` with `arguments`, tied to this process's life.
    func runscCommand(_ arguments: [String]) -> (executable: String, arguments: [String]) {
        (Self.setpriv, ["--pdeathsig", "KILL", "--", runsc] + arguments)
    }

    /// Whether `setpriv` is there to tie sandboxes to evolve's life.
    static var canTieLifetimes: Bool { FileManager.default.isExecutableFile(atPath: setpriv) }
}
