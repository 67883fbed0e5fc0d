import EvolveTesting
import Foundation
import Testing

@Suite("evolve run with the Docker backend", .serialized)
struct DockerEndToEndTests {
    /// examples/knapsack on the Docker backend with the test image.
    func dockerKnapsack() throws -> TemporaryDirectory {
        let problem = try knapsackProblem()
        let file = problem.url.appendingPathComponent("evolve.yaml")
        let yaml = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(
            of: "sandbox:\n  timeout: 10", with: "sandbox:\n  timeout: 10\n  backend: docker\n  docker:\n    image: \(PodmanService.image)\n")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return problem
    }

    @Test(
        "examples/knapsack reaches 275 through a Docker-API engine (podman with runsc)",
        .enabled(if: TestEnvironment.runsPodmanTests, "needs podman and runsc, as root"))
    func reachesTheOptimum() async throws {
        let service = try await PodmanService.start()
        defer { service.stop() }
        let problem = try dockerKnapsack()
        defer { problem.remove() }
        try await LoopbackLLMServer.with(script: { request in
            request.index == 0 ? .answer(KnapsackAnswers.dynamicProgramming) : .answer("No further ideas.")
        }) { server in
            let run = try runEvolve(
                ["run", problem.url.path, "--ollama-url", server.url, "--iterations", "4"], environment: ["DOCKER_HOST": service.host])
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(run.stderr.contains("in the docker sandbox"), "\(run.stderr)")
            #expect(run.stdout.contains("best score 275.0"), "\(run.stdout)")
        }
    }

    @Test("an unreachable Docker engine stops `evolve run` with exit 4 and what to do")
    func unreachableEngine() throws {
        let problem = try dockerKnapsack()
        defer { problem.remove() }
        let run = try runEvolve(
            ["run", problem.url.path, "--ollama-url", "http://127.0.0.1:9"],
            environment: ["DOCKER_HOST": "unix:///nonexistent/evolve.sock"], timeout: 30)
        #expect(run.status == 4, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("cannot reach a Docker engine at unix:///nonexistent/evolve.sock"))
        #expect(run.stderr.contains("DOCKER_HOST"))
    }
}
