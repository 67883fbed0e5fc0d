import Foundation

/// Starts a child that the kernel kills when evolve dies, however evolve dies (SIGKILL included):
/// util-linux's `setpriv --pdeathsig KILL` sets the parent-death signal and executes the command.
///
/// A supervised child leads a process group of its own (so that a terminal's Ctrl-C reaches
/// evolve, which stops evaluations itself), so nothing else takes it down with a killed evolve.
/// The parent-death signal follows the thread that forked, not the process. Every child of
/// swift-subprocess is spawned by its one worker thread, which lives as long as the process, so the
/// signal fires when evolve dies and not when some worker thread of a pool retires.
///
/// The gVisor backend starts `runsc run` this way (runsc's sandbox and gofer are attached to it
/// and die with it), the Slurm backend `srun` (a job started by srun ends when srun dies).
enum ParentDeath {
    static let setpriv = "/usr/bin/setpriv"

    /// Whether `setpriv` is there to tie children to evolve's life.
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: setpriv) }

    /// The executable and arguments that run `executable` with `arguments`, tied to this process's life.
    static func command(_ executable: String, _ arguments: [String]) -> (executable: String, arguments: [String]) {
        (setpriv, ["--pdeathsig", "KILL", "--", executable] + arguments)
    }
}
