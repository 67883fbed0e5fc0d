import EvolveCore
import Foundation

extension GVisorSandbox {
    /// Everything a gVisor sandbox is made with. The limits shared with evolve.yaml take their
    /// defaults from `SandboxConfiguration`, declared there once.
    public struct Configuration: Sendable, Hashable {
        /// The `runsc` binary.
        public var runsc: String
        /// tmpfs size of `/tmp/eval`, in MiB.
        public var tmpfsMB: Int
        /// CPUs an evaluation may use (cgroup quota).
        public var cpus: Double
        /// Evaluations one sandbox runs before it is replaced (1: a fresh sandbox for each); see
        /// `GVisorSandbox+Reuse.swift`.
        public var reuse: Int
        /// Where the sandbox keeps its root, bundles and runsc state.
        public var temporaryRoot: URL
        /// Warm evaluators (`sandbox.warm`): see `GVisorSandbox+Warm.swift`.
        public var warm: Bool

        /// Evaluations one warm evaluator runs before it is replaced: `reuse` when it is set above 1.
        public var warmEvaluations: Int { reuse > 1 ? reuse : 200 }

        /// The settings of evolve.yaml's `sandbox` section (`tmpfs_mb`, `cpus`, `gvisor.reuse`, `warm`).
        public init(
            _ sandbox: SandboxConfiguration = SandboxConfiguration(), runsc: String = "/usr/bin/runsc",
            temporaryRoot: URL = FileManager.default.temporaryDirectory
        ) {
            self.runsc = runsc
            self.tmpfsMB = sandbox.tmpfsMB
            self.cpus = sandbox.cpus
            self.reuse = max(1, sandbox.gvisor.reuse)
            self.temporaryRoot = temporaryRoot
            self.warm = sandbox.warm
        }
    }
}
