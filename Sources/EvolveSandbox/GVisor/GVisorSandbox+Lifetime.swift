import Foundation

/// A sandbox lives no longer than the evolve process that started it.
///
/// `runsc run` used to outlive a SIGKILLed evolve, with its sandbox and file proxy, until the next
/// `evolve run` swept them. Now it starts through `ParentDeath` (`setpriv --pdeathsig KILL`): the
/// kernel SIGKILLs it when evolve dies. runsc in turn starts its sandbox and gofer "attached"
/// (with the parent-death signal set to SIGKILL), so they die with it.
///
/// What processes leave on the host (the tmpfs mounts, bundles, runsc records, cgroups) is removed
/// by `GVisorWarden` a second after evolve dies.
extension GVisorSandbox {
    static var setpriv: String { ParentDeath.setpriv }

    /// The executable and arguments that start `runsc` with `arguments`, tied to this process's life.
    func runscCommand(_ arguments: [String]) -> (executable: String, arguments: [String]) {
        ParentDeath.command(runsc, arguments)
    }

    /// Whether `setpriv` is there to tie sandboxes to evolve's life.
    static var canTieLifetimes: Bool { ParentDeath.isAvailable }
}
