import EvolveCore
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

@Suite struct MakeSandboxTests {
    @Test("evolve.yaml's sandbox section picks the backend and hands it its settings")
    func backendAndSettings() throws {
        var configuration = SandboxConfiguration(tmpfsMB: 9, cpus: 1.5, gvisor: .init(reuse: 7), docker: .init(image: "img:2", runtime: ""))
        configuration.backend = .gvisor
        let gvisor = try #require(makeSandbox(configuration, environment: [:], logger: testLogger) as? GVisorSandbox)
        #expect(gvisor.configuration.reuse == 7 && gvisor.configuration.tmpfsMB == 9 && gvisor.configuration.cpus == 1.5)

        configuration.backend = .docker
        let environment = ["DOCKER_HOST": "tcp://engine:2375"]
        let docker = try #require(makeSandbox(configuration, environment: environment, logger: testLogger) as? DockerSandbox)
        #expect(docker.host == "tcp://engine:2375" && docker.image == "img:2" && docker.runtime == "" && docker.tmpfsMB == 9)
        configuration.docker.host = "unix:///run/engine.sock"
        let named = try #require(makeSandbox(configuration, environment: environment, logger: testLogger) as? DockerSandbox)
        #expect(named.host == "unix:///run/engine.sock", "evolve.yaml's host wins over DOCKER_HOST")

        configuration.backend = .process
        #expect(makeSandbox(configuration, environment: [:], logger: testLogger).name == "process")

        configuration.backend = .slurm
        configuration.slurm = .init(partition: "gpu", placement: .steps, isolation: .process)
        let secrets = ["SLURM_CONF": "/etc/x/slurm.conf", "PATH": "/opt/slurm/bin", "OPENAI_API_KEY": "sk-1", "SLURM_JOB_ID": "7"]
        let slurm = try #require(makeSandbox(configuration, environment: secrets, logger: testLogger) as? SlurmSandbox)
        #expect(slurm.configuration.slurm.partition == "gpu" && slurm.configuration.slurm.placement == .steps && !slurm.isolates)
        #expect(slurm.configuration.concurrency == configuration.concurrency)
        #expect(
            slurm.configuration.environment == ["SLURM_CONF": "/etc/x/slurm.conf", "PATH": "/opt/slurm/bin"],
            "Slurm's commands get no key, and no SLURM_JOB_ID that would place jobs inside evolve's own")
    }
}
