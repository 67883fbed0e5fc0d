import EvolveCore
import Logging

/// The sandbox evolve.yaml's `sandbox` section names, made with its settings. `environment`
/// supplies what the file leaves to the environment (`DOCKER_HOST`, `SLURM_CONF`, the `PATH` of Slurm's commands).
public func makeSandbox(_ configuration: SandboxConfiguration, environment: [String: String], logger: Logger) -> any Sandbox {
    switch configuration.backend {
    case .gvisor:
        return GVisorSandbox(configuration: GVisorSandbox.Configuration(configuration), logger: logger)
    case .docker:
        return DockerSandbox(configuration: DockerSandbox.Configuration(configuration, environment: environment), logger: logger)
    case .process:
        return ProcessSandbox(configuration: ProcessSandbox.Configuration(), logger: logger)
    case .slurm:
        return SlurmSandbox(configuration: SlurmSandbox.Configuration(configuration, environment: environment), logger: logger)
    }
}
