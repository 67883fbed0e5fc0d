import EvolveCore
import Foundation

extension DockerSandbox {
    /// Everything a Docker sandbox is made with. The settings shared with evolve.yaml take their
    /// defaults from `SandboxConfiguration`, declared there once.
    public struct Configuration: Sendable, Hashable {
        /// Where the engine listens, as `unix:///path` or `tcp://host:port`.
        public var host: String
        public var image: String
        /// The engine's name for the container runtime (`runsc` by default); empty means the engine's default.
        public var runtime: String
        /// tmpfs size of `/tmp/eval`, in MiB.
        public var tmpfsMB: Int
        /// CPUs an evaluation may use.
        public var cpus: Double
        /// Where candidates are written for the engine to bind-mount.
        public var temporaryRoot: URL

        /// The settings of evolve.yaml's `sandbox` section (`tmpfs_mb`, `cpus`, `docker.*`); the
        /// host is `sandbox.docker.host`, else `DOCKER_HOST` from `environment`, else Docker's socket.
        public init(
            _ sandbox: SandboxConfiguration = SandboxConfiguration(), environment: [String: String] = [:],
            temporaryRoot: URL = FileManager.default.temporaryDirectory
        ) {
            self.host = DockerSandbox.resolveHost(configured: sandbox.docker.host, environment: environment)
            self.image = sandbox.docker.image
            self.runtime = sandbox.docker.runtime
            self.tmpfsMB = sandbox.tmpfsMB
            self.cpus = sandbox.cpus
            self.temporaryRoot = temporaryRoot
        }
    }
}
