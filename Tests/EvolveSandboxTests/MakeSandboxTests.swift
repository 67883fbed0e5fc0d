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
    }
}
