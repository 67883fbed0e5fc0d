import EvolveCore
import Logging

/// The sandbox evolve.yaml's `sandbox` section names, made with its settings. `environment`
/// supplies what the file leaves to the environment (`DOCKER_HOST`, `SLURM_CONF`, the `PATH` of Slurm's commands).
/// `run` identifies the run across the processes that resume it (its folder's path): the Slurm
/// backend names its jobs after it, so that a resumed run finds what a killed one left.
public func makeSandbox(_ configuration: SandboxConfiguration, environment: [String: String], run: String? = nil, logger: Logger) -> any Sandbox {
    switch configuration.backend {
    case .gvisor:
        return GVisorSandbox(configuration: GVisorSandbox.Configuration(configuration), logger: logger)
    case .docker:
        return DockerSandbox(configuration: DockerSandbox.Configuration(configuration, environment: environment), logger: logger)
    case .process:
        return ProcessSandbox(configuration: ProcessSandbox.Configuration(), logger: logger)
    case .slurm:
        var slurm = SlurmSandbox.Configuration(configuration, environment: environment)
        if let run { slurm.runName = SlurmSandbox.Configuration.runName(for: run) }
        return SlurmSandbox(configuration: slurm, logger: logger)
    }
}
