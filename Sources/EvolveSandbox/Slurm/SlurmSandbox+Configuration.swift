import EvolveCore
import Foundation

extension SlurmSandbox {
    /// Everything a Slurm sandbox is made with.
    public struct Configuration: Sendable, Hashable {
        /// evolve.yaml's `sandbox` section; `sandbox.slurm` is the backend's own.
        public var sandbox: SandboxConfiguration
        public var slurm: SandboxConfiguration.Slurm { sandbox.slurm }
        /// Evaluations in flight at once (`sandbox.concurrency`): the size of the held allocation.
        public var concurrency: Int { sandbox.concurrency }
        /// `runsc` on the nodes (isolation `gvisor`).
        public var runsc = "/usr/bin/runsc"
        /// The environment Slurm's commands run with: `PATH` (where they are found), `HOME`,
        /// `USER`, `LANG` and `SLURM_CONF`, nothing else of evolve's (no key, and no `SLURM_JOB_ID`
        /// that would make `srun` place a new job inside the job evolve itself may run in).
        public var environment: [String: String]
        /// Where this process keeps the output of Slurm's commands (on this machine only).
        public var localRoot: URL
        /// Every job of this sandbox is named with this prefix (`evolve-` and hex digits): random,
        /// or derived from the run's folder (`runName(for:)`) so that every process of one run
        /// uses the same.
        public var runName: String

        public init(
            _ sandbox: SandboxConfiguration = SandboxConfiguration(), environment: [String: String],
            localRoot: URL = FileManager.default.temporaryDirectory,
            runName: String = "evolve-" + String(UInt32.random(in: 0...0xFF_FFFF), radix: 16)
        ) {
            self.sandbox = sandbox
            self.environment = environment.filter { Self.passedVariables.contains($0.key) }
            if self.environment["PATH"] == nil { self.environment["PATH"] = "/usr/local/bin:/usr/bin:/bin" }
            self.localRoot = localRoot
            self.runName = runName
        }

        /// The prefix of a run's jobs, the same for every process that runs or resumes it:
        /// `evolve-` and 8 hex digits of an FNV-1a hash of `run` (the run folder's path).
        public static func runName(for run: String) -> String {
            var hash: UInt32 = 0x811C_9DC5
            for byte in run.utf8 { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
            let digits = String(hash, radix: 16)
            return "evolve-" + String(repeating: "0", count: 8 - digits.count) + digits
        }

        static let passedVariables: Set<String> = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "SLURM_CONF"]

        /// Where this run's evaluations go: `shared_directory`, else `.evolve-slurm` next to the
        /// problem directory (which a cluster has on its shared file system), in a folder of the run's own.
        func runDirectory(for problemDirectory: URL) -> URL {
            let root = slurm.sharedDirectory.map { URL(fileURLWithPath: $0) }
                ?? problemDirectory.standardizedFileURL.deletingLastPathComponent().appendingPathComponent(".evolve-slurm")
            return root.appendingPathComponent(runName)
        }

        /// Slurm's time limit for one evaluation: `time`, else the evaluation's wall clock plus a
        /// minute, in whole minutes (Slurm checks limits only about every 30 s: a backstop).
        func minutes(for timeout: Double) -> Int {
            slurm.time ?? Int((timeout / 60).rounded(.up)) + 1
        }
    }
}
