import Foundation

extension SandboxConfiguration {
    /// `sandbox.slurm`: settings only the Slurm backend reads (see docs/cluster.md).
    public struct Slurm: Sendable, Hashable, Codable {
        /// How evaluations are placed on the cluster.
        public enum Placement: String, Sendable, Hashable, Codable, CaseIterable {
            /// One Slurm job per evaluation (`srun` makes and waits for it).
            case jobs
            /// A job step (`srun --exclusive`) per evaluation inside one allocation Evolve holds for the run.
            case steps
        }

        /// What isolates a candidate on its node.
        public enum Isolation: String, Sendable, Hashable, Codable, CaseIterable { case gvisor, process }

        public var partition: String?
        public var account: String?
        public var qos: String?
        /// Slurm's time limit of each job or step, in whole minutes: a backstop only (Evolve's own
        /// wall clock stops an evaluation); nil derives it from `sandbox.timeout`.
        public var time: Int?
        /// CPUs per evaluation (`--cpus-per-task`).
        public var cpus: Int
        /// Memory per evaluation (`--mem`), in MiB; nil leaves it to the cluster's default.
        public var memoryMB: Int?
        /// Generic resources per evaluation, e.g. `gpu:1` (`--gres`).
        public var gres: String?
        /// Node features the evaluation needs (`--constraint`).
        public var constraint: String?
        /// More options for `srun` (placement `jobs`) or for the held allocation (`salloc`, placement `steps`).
        public var extraArgs: [String]
        public var placement: Placement
        public var isolation: Isolation
        /// A directory every node sees at the same path, for candidates and results; nil: a
        /// folder `.evolve-slurm` next to the problem directory.
        public var sharedDirectory: String?
        /// How many times an evaluation that Slurm lost (node failure, preemption, cancelled by
        /// someone else) is placed again before it counts as a sandbox error.
        public var retries: Int
        /// Seconds an evaluation may wait for a node before it counts as a sandbox error.
        public var queueTimeout: Double
        /// Seconds an evaluation waits for a `slurmctld` that does not answer (restarting, or
        /// its machine rebooting) before it counts as a sandbox error.
        public var controllerWait: Double

        public init(
            partition: String? = nil, account: String? = nil, qos: String? = nil, time: Int? = nil, cpus: Int = 1,
            memoryMB: Int? = nil, gres: String? = nil, constraint: String? = nil, extraArgs: [String] = [],
            placement: Placement = .jobs, isolation: Isolation = .gvisor, sharedDirectory: String? = nil, retries: Int = 1,
            queueTimeout: Double = 300, controllerWait: Double = 600
        ) {
            self.partition = partition
            self.account = account
            self.qos = qos
            self.time = time
            self.cpus = cpus
            self.memoryMB = memoryMB
            self.gres = gres
            self.constraint = constraint
            self.extraArgs = extraArgs
            self.placement = placement
            self.isolation = isolation
            self.sharedDirectory = sharedDirectory
            self.retries = retries
            self.queueTimeout = queueTimeout
            self.controllerWait = controllerWait
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case partition, account, qos, time, cpus, gres, constraint, placement, isolation, retries
            case memoryMB = "memory_mb"
            case extraArgs = "extra_args"
            case sharedDirectory = "shared_directory"
            case queueTimeout = "queue_timeout"
            case controllerWait = "controller_wait"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
            let d = Self()
            self.init(
                partition: try c.decodeIfPresent(String.self, forKey: .partition),
                account: try c.decodeIfPresent(String.self, forKey: .account),
                qos: try c.decodeIfPresent(String.self, forKey: .qos),
                time: try c.decodeIfPresent(Int.self, forKey: .time),
                cpus: try c.value(.cpus, default: d.cpus),
                memoryMB: try c.decodeIfPresent(Int.self, forKey: .memoryMB),
                gres: try c.decodeIfPresent(String.self, forKey: .gres),
                constraint: try c.decodeIfPresent(String.self, forKey: .constraint),
                extraArgs: try c.value(.extraArgs, default: d.extraArgs),
                placement: try c.value(.placement, default: d.placement),
                isolation: try c.value(.isolation, default: d.isolation),
                sharedDirectory: try c.decodeIfPresent(String.self, forKey: .sharedDirectory),
                retries: try c.value(.retries, default: d.retries),
                queueTimeout: try c.value(.queueTimeout, default: d.queueTimeout),
                controllerWait: try c.value(.controllerWait, default: d.controllerWait))
            for (key, value) in [(CodingKeys.partition, partition), (.account, account), (.qos, qos), (.gres, gres), (.constraint, constraint)] {
                try c.require(value.map(Self.isWord) ?? true, key, "\(key.stringValue) must be one word without spaces")
            }
            try c.require(time.map { $0 >= 1 } ?? true, .time, "time must be at least 1 (whole minutes)")
            try c.require(cpus >= 1, .cpus, "cpus must be at least 1")
            try c.require(memoryMB.map { $0 >= 16 } ?? true, .memoryMB, "memory_mb must be at least 16")
            try c.require(!extraArgs.contains(where: \.isEmpty), .extraArgs, "an extra argument is empty")
            try c.require(sharedDirectory.map { $0.hasPrefix("/") } ?? true, .sharedDirectory, "shared_directory must be an absolute path")
            try c.require((0...10).contains(retries), .retries, "retries must be between 0 and 10")
            try c.require(queueTimeout > 0, .queueTimeout, "queue_timeout must be a positive number of seconds")
            try c.require(controllerWait >= 0, .controllerWait, "controller_wait must be zero or a positive number of seconds")
        }

        static func isWord(_ text: String) -> Bool {
            !text.isEmpty && !text.contains(where: \.isWhitespace)
        }
    }
}
