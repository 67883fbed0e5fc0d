import EvolveCore
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What the engine keeps per container on this machine: runsc's state, overlay mounts, cgroups.
struct EngineFootprint: Equatable, CustomStringConvertible {
    var runscState: Set<String>
    var mounts: [String]
    var cgroups: Set<String>

    static func read() -> EngineFootprint {
        let mounts = ((try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init).filter { $0.contains("/containers/storage/overlay") || $0.contains("/runsc") }
        var cgroups = Set<String>()
        for controller in ["memory", "pids", "cpu"] {
            // podman makes libpod_parent, with its control files and its monitor's cgroup (`conmon`),
            // at the first container on a new machine and keeps them; containers' own cgroups (the
            // other folders) are what a leak would leave.
            let parent = "/sys/fs/cgroup/\(controller)/libpod_parent"
            for name in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
            where name != "conmon" && (try? FileManager.default.contentsOfDirectory(atPath: parent + "/" + name)) != nil {
                cgroups.insert("\(controller)/\(name)")
            }
        }
        return EngineFootprint(
            runscState: Set((try? FileManager.default.contentsOfDirectory(atPath: "/run/runsc")) ?? []), mounts: mounts.sorted(), cgroups: cgroups)
    }

    var description: String { "runsc state \(runscState.sorted()), mounts \(mounts), cgroups \(cgroups.sorted())" }
}

@Suite("Docker sandbox (through podman's Docker API, with runsc)", .serialized)
struct DockerSandboxTests {
    /// Runs `body` with a fresh podman service and a Docker sandbox on it, then stops both.
    func withEngine(
        image: String = PodmanService.image, runtime: String = "runsc",
        _ body: (DockerSandbox, PodmanService, TemporaryDirectory) async throws -> Void
    ) async throws {
        let service = try await PodmanService.start()
        defer { service.stop() }
        let directory = try TemporaryDirectory(prefix: "evolve-docker")
        defer { directory.remove() }
        let scratch = directory.url.appendingPathComponent("scratch")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let sandbox = DockerSandbox(
            configuration: .init(SandboxConfiguration(docker: .init(image: image, runtime: runtime, host: service.host)), temporaryRoot: scratch),
            logger: testLogger)
        try await body(sandbox, service, directory)
        await sandbox.shutdown()
    }

    /// The names of the engine's containers that belong to `sandbox`.
    func containers(of sandbox: DockerSandbox) async throws -> [String] {
        let text = try await curl(socket: String(sandbox.host.dropFirst("unix://".count)), path: "/v1.41/containers/json?all=true")
        let items = (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]) ?? []
        return items.flatMap { ($0["Names"] as? [String]) ?? [] }.filter { $0.contains(sandbox.containerPrefix) }
    }

    @Test("each hostile candidate is a recorded failure within timeout + 2 s, leaks nothing, leaves nothing, and good candidates still score", .enabled(if: TestEnvironment.runsPodmanTests, "needs podman and runsc, as root"))
    func battery() async throws {
        try await withEngine { sandbox, _, directory in
            let before = EngineFootprint.read()
            try await HostileBattery.run(sandbox: sandbox, directory: directory) { name in
                #expect(try await containers(of: sandbox).isEmpty, "\(name): a container is left")
                #expect(!ProcessTable.contains(sandbox.containerPrefix), "\(name): a process of the container is still running")
                let scratch = try FileManager.default.contentsOfDirectory(atPath: directory.url.appendingPathComponent("scratch/evolve-docker-\(getpid())").path)
                    .filter { $0 != "empty" }  // the one empty file bound over each hidden file of the problem directory
                #expect(scratch.isEmpty, "\(name): candidate folders left: \(scratch)")
                var after = EngineFootprint.read()
                for _ in 0..<20 where after != before {
                    try await Task.sleep(for: .milliseconds(100))
                    after = EngineFootprint.read()
                }
                #expect(after == before, "\(name): the engine kept state: before \(before), after \(after)")
            }
        }
    }

    @Test("the candidate runs under gVisor, read-only, in /problem; result.json wins over standard output; output keeps its tail", .enabled(if: TestEnvironment.runsPodmanTests, "needs podman and runsc, as root"))
    func resultFileAndOutput() async throws {
        try await withEngine { sandbox, _, directory in
            try await HostileBattery.expectContainerContract(sandbox: sandbox, directory: directory)
        }
    }

    @Test(
        "an evaluator environment is bound read-only at its host path, with its base interpreter's standard library, and is python3",
        .enabled(if: TestEnvironment.runsPodmanTests, "needs podman and runsc, as root"),
        .enabled(if: TestEnvironment.runsVenvTests, "needs python3-venv"))
    func environment() async throws {
        try await withEngine { sandbox, _, directory in
            let environment = try await makeVirtualEnvironment(in: directory.url)
            let result = try await EvaluatorEnvironmentTests.evaluate(on: sandbox, environment: environment)
            #expect(result.status == .success, "\(result.failureReason ?? "") \(result.stderrTail)")
            #expect(result.metrics["prefix"] == .string(environment.root.path), "\(result.metrics)")
            #expect(result.metrics["virtual_env"] == .string(environment.root.path))
        }
    }

    @Test("a container left by an evolve process that was killed is removed when the next Docker sandbox starts; others stay", .enabled(if: TestEnvironment.runsPodmanTests, "needs podman and runsc, as root"))
    func staleContainers() async throws {
        try await withEngine { sandbox, service, _ in
            let finished = Process()
            finished.executableURL = URL(fileURLWithPath: "/bin/true")
            try finished.run()
            finished.waitUntilExit()
            let host = ProcessInfo.processInfo.hostName
            // One left by a dead evolve (its pid no longer runs), one owned by a live process (pid 1).
            var names: [String: String] = [:]
            for (role, pid) in [("dead", finished.processIdentifier), ("live", 1)] {
                let name = "evolve-stale-test-\(role)-\(UUID().uuidString.prefix(6))"
                names[role] = name
                let body = """
                    {"Image": "\(PodmanService.image)", "Cmd": ["/bin/sh", "-c", "sleep 600"],
                     "Labels": {"org.evolve.owner": "\(host):\(pid)"},
                     "HostConfig": {"NetworkMode": "none", "Ulimits": [{"Name": "nofile", "Soft": 256, "Hard": 256}, {"Name": "nproc", "Soft": 64, "Hard": 64}]}}
                    """
                _ = try await curl(socket: service.socket, path: "/v1.41/containers/create?name=\(name)", method: "POST", json: body)
                _ = try await curl(socket: service.socket, path: "/v1.41/containers/\(name)/start", method: "POST")
            }
            func exists(_ name: String) async throws -> Bool {
                try await curl(socket: service.socket, path: "/v1.41/containers/json?all=true").contains(name)
            }
            #expect(try await exists(names["dead"]!))
            try await sandbox.checkAvailability()
            #expect(try await !exists(names["dead"]!), "the dead evolve's container is still there")
            #expect(try await exists(names["live"]!), "a live process's container was removed")
            _ = try await curl(socket: service.socket, path: "/v1.41/containers/\(names["live"]!)?force=true", method: "DELETE")
        }
    }

    @Test("cancelling an evaluation kills and removes its container", .enabled(if: TestEnvironment.runsPodmanTests, "needs podman and runsc, as root"))
    func cancellation() async throws {
        try await withEngine { sandbox, _, directory in
            try directory.write(["evolve.yaml": "program: candidate.py\nevaluator:\n  command: python3 {program}\n", "candidate.py": "pass\n"])
            let problem = try Problem.load(from: directory.url)
            let evaluator = Evaluator(sandbox: sandbox, problem: problem)
            let task = Task { try await evaluator.evaluate("import time\nwhile True:\n    time.sleep(1)\n") }
            var running = false
            for _ in 0..<100 where !running {
                try await Task.sleep(for: .milliseconds(50))
                running = try await !containers(of: sandbox).isEmpty
            }
            #expect(running, "the container never appeared")
            try await Task.sleep(for: .milliseconds(300))
            let cancelled = ContinuousClock.now
            task.cancel()
            _ = await task.result
            #expect(seconds(since: cancelled) < 3)
            #expect(try await containers(of: sandbox).isEmpty, "the cancelled evaluation's container is left")
        }
    }

    @Test("an unreachable engine is reported with what to do")
    func unreachableEngine() async throws {
        let nowhere = DockerSandbox(configuration: .init(SandboxConfiguration(docker: .init(host: "unix:///nonexistent/evolve-docker.sock"))), logger: testLogger)
        await #expect {
            try await nowhere.checkAvailability()
        } throws: { error in
            let message = "\(error)"
            return (error as? SandboxError)?.code == .unavailable && message.contains("cannot reach a Docker engine at unix:///nonexistent")
                && message.contains("DOCKER_HOST")
        }
    }

    @Test("a missing image and an unknown runtime are reported with what to do", .enabled(if: TestEnvironment.runsPodmanTests, "needs podman and runsc, as root"))
    func missingImageAndRuntime() async throws {
        try await withEngine(image: "localhost/evolve-no-such-image:1") { sandbox, _, _ in
            await #expect {
                try await sandbox.checkAvailability()
            } throws: { error in
                "\(error)".contains("`localhost/evolve-no-such-image:1` is not on the Docker engine") && "\(error)".contains("docker pull")
            }
        }
        try await withEngine(runtime: "no-such-runtime") { sandbox, _, _ in
            await #expect {
                try await sandbox.checkAvailability()
            } throws: { error in
                "\(error)".contains("has no runtime `no-such-runtime`") && "\(error)".contains("runsc")
            }
        }
    }

    @Test("DOCKER_HOST is used unless evolve.yaml names an engine")
    func hostPrecedence() {
        #expect(DockerSandbox.resolveHost(configured: nil, environment: [:]) == "unix:///var/run/docker.sock")
        #expect(DockerSandbox.resolveHost(configured: nil, environment: ["DOCKER_HOST": "tcp://10.0.0.2:2375"]) == "tcp://10.0.0.2:2375")
        #expect(
            DockerSandbox.resolveHost(configured: "unix:///run/podman/podman.sock", environment: ["DOCKER_HOST": "tcp://10.0.0.2:2375"])
                == "unix:///run/podman/podman.sock")
    }
}

/// Sends a request to the engine on `socket` with curl, an independent client; returns the body.
func curl(socket: String, path: String, method: String = "GET", json: String? = nil) async throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    process.arguments = ["-s", "-X", method, "--unix-socket", socket, "http://docker" + path]
        + (json.map { ["-H", "Content-Type: application/json", "-d", $0] } ?? [])
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
