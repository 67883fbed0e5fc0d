import ArgumentParser
import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import EvolveTesting
import Foundation
import Logging

/// Measures the engine, not the model: run it as a release build (`swift run -c release evolve-bench`).
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evolve-bench",
        abstract: "Benchmarks Evolve's engine: throughput with an instant model, and archive latency and memory.",
        subcommands: [DiffsCommand.self, AnswersCommand.self])

    @Option(help: "Evaluations per throughput measurement.")
    var evaluations = 300

    @Option(help: "Archive sizes for the sample()+add() measurement.")
    var sizes: [Int] = [1_000, 10_000, 100_000]

    @Option(help: "Which parts to run: throughput, archive (default: both); also gvisor, imports, async, openevolve, model, sandbox.")
    var only: [String] = []

    static let logger = Logger(label: "evolve.bench")
    var logger: Logger { Self.logger }

    /// A gVisor sandbox with evolve.yaml's defaults and `reuse` evaluations per sandbox.
    func gVisor(reuse: Int = 1, warm: Bool = false) -> GVisorSandbox {
        var configuration = GVisorSandbox.Configuration()
        configuration.reuse = reuse
        configuration.warm = warm
        return GVisorSandbox(configuration: configuration, logger: logger)
    }

    func run() async throws {
        LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
        print("# evolve-bench on \(ProcessInfo.processInfo.activeProcessorCount) cores\n")
        if only.isEmpty || only.contains("throughput") {
            try await throughput()
        }
        if only.contains("gvisor") {
            try await gVisorThroughput()
        }
        if only.contains("imports") {
            try await heavyImports()
        }
        if only.contains("async") {
            try await asyncGain()
        }
        if only.contains("openevolve") {
            try await openEvolveSideBySide()
        }
        if only.contains("model") {
            try await modelOnly()
        }
        if only.contains("sandbox") {
            try await sandboxOnly()
        }
        if only.isEmpty || only.contains("archive") {
            archive()
        }
    }

    // MARK: - Throughput

    func throughput() async throws {
        let (problem, problemDirectory) = try knapsack()
        defer { problemDirectory.remove() }

        // The bare evaluator: python3 evaluate.py in a loop, one at a time and two at a time.
        let bare1 = try await bareLoop(problem: problem, count: evaluations / 2, parallel: 1)
        let bare2 = try await bareLoop(problem: problem, count: evaluations / 2, parallel: 2)

        let server = try await LoopbackLLMServer.start { .answer(KnapsackAnswers.variant($0.index)) }
        defer { Task { await server.shutdown() } }
        let knapsack = try await engine(problem: problem, server: server, evaluations: evaluations)

        var trivial = problem
        trivial.configuration.evaluator = EvaluatorConfiguration(command: .shell("echo '{\"score\": 1}' # {program}"))
        let bareTrivial = try await bareLoop(problem: trivial, count: evaluations / 2, parallel: 2)
        let engineTrivial = try await engine(problem: trivial, server: server, evaluations: evaluations)

        var gvisorEngine: EngineRun?
        var reusedEngine: EngineRun?
        var reusedEngine3: EngineRun?
        var warmEngine: EngineRun?
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/runsc"), getuid() == 0 {
            warmEngine = try await engine(problem: problem, server: server, evaluations: evaluations, backend: .gvisor, warm: true)
            gvisorEngine = try await engine(problem: problem, server: server, evaluations: min(evaluations, 100), backend: .gvisor)
            reusedEngine = try await engine(
                problem: problem, server: server, evaluations: min(evaluations, 200), backend: .gvisor, reuse: 50)
            reusedEngine3 = try await engine(
                problem: problem, server: server, evaluations: min(evaluations, 200), backend: .gvisor, reuse: 50, inFlight: 3)
        }

        print("## Throughput (instant loopback model, 2 evaluations in flight)\n")
        print("| what | evaluations/s | ms per evaluation |")
        print("|---|---:|---:|")
        row("bare `python3 evaluate.py` loop, 1 at a time", bare1)
        row("bare `python3 evaluate.py` loop, 2 at a time", bare2)
        row("evolve run, knapsack evaluator", knapsack.rate)
        row("bare trivial evaluator (`echo`), 2 at a time", bareTrivial)
        row("evolve run, trivial evaluator", engineTrivial.rate)
        if let gvisorEngine { row("evolve run through gVisor (a fresh sandbox each), knapsack evaluator", gvisorEngine.rate) }
        if let reusedEngine { row("evolve run through gVisor (`reuse: 50`), knapsack evaluator", reusedEngine.rate) }
        if let warmEngine { row("evolve run through gVisor (`warm: true`), knapsack evaluator", warmEngine.rate) }
        if let reusedEngine3 { row("evolve run through gVisor (`reuse: 50`, 3 evaluations in flight), knapsack evaluator", reusedEngine3.rate) }
        print("")
        print("- evolve vs the bare 1-at-a-time loop: \(percent(knapsack.rate / bare1)); vs the bare 2-at-a-time loop: \(percent(knapsack.rate / bare2))")
        let overhead = 1000 * (2 / engineTrivial.rate - 2 / bareTrivial)
        print("- engine overhead per iteration (trivial evaluator, per evaluation slot): \(String(format: "%.2f", overhead)) ms")
        print("- peak resident memory of the whole benchmark process during the engine runs: \(String(format: "%.1f", knapsack.peakMB)) MB")
        print("- occupancy, knapsack through the process backend: \(knapsack.occupancy)")
        print("- occupancy, trivial evaluator: \(engineTrivial.occupancy)")
        if let warmEngine { print("- occupancy, knapsack through gVisor warm: \(warmEngine.occupancy)") }
        print("")
    }

    /// The knapsack run end to end through gVisor only, 2 evaluations in flight: a fresh sandbox
    /// per evaluation, `reuse: 50`, and warm evaluators, one after another in one sitting.
    func gVisorThroughput() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/runsc"), getuid() == 0 else {
            print("gVisor: runsc is not installed or this is not root; skipped\n")
            return
        }
        let (problem, problemDirectory) = try knapsack()
        defer { problemDirectory.remove() }
        let server = try await LoopbackLLMServer.start { .answer(KnapsackAnswers.variant($0.index)) }
        defer { Task { await server.shutdown() } }
        let fresh = try await engine(problem: problem, server: server, evaluations: min(evaluations, 100), backend: .gvisor)
        let reused = try await engine(problem: problem, server: server, evaluations: min(evaluations, 200), backend: .gvisor, reuse: 50)
        let warm = try await engine(problem: problem, server: server, evaluations: evaluations, backend: .gvisor, warm: true)
        print("## Throughput through gVisor (instant loopback model, knapsack, 2 evaluations in flight)\n")
        print("| what | evaluations/s | ms per evaluation |")
        print("|---|---:|---:|")
        row("a fresh sandbox per evaluation", fresh.rate)
        row("`sandbox.gvisor.reuse: 50`", reused.rate)
        row("`sandbox.warm: true`", warm.rate)
        print("")
    }

    /// An evaluator in the manner of OpenEvolve's signal_processing, which imports numpy and
    /// scipy.signal to filter a short signal: through gVisor fresh, with `reuse: 50`, and warm with
    /// both modules preloaded, 2 at a time, without the engine.
    func heavyImports() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/runsc"), getuid() == 0 else { return }
        let directory = try TemporaryDirectory(prefix: "evolve-bench-imports")
        defer { directory.remove() }
        try directory.write([
            "evaluate.py": """
                import json, sys
                import numpy as np
                from scipy import signal
                namespace = {}
                exec(open(sys.argv[1]).read(), namespace)
                t = np.linspace(0, 1, 2000)
                noisy = np.sin(2 * np.pi * 5 * t) + 0.3 * np.random.default_rng(0).standard_normal(t.size)
                b, a = signal.butter(namespace["ORDER"], 0.05)
                smooth = signal.filtfilt(b, a, noisy)
                print(json.dumps({"score": -float(np.mean((smooth - np.sin(2 * np.pi * 5 * t)) ** 2))}))

                """
        ])
        let count = min(evaluations, 40)
        print("## An evaluator importing numpy and scipy.signal, through gVisor, 2 at a time (\(count) evaluations)\n")
        print("| what | evaluations/s | ms per evaluation |")
        print("|---|---:|---:|")
        for (name, sandbox) in [("a fresh sandbox each", gVisor()), ("`reuse: 50`", gVisor(reuse: 50)), ("`warm: true`, preload numpy, scipy.signal", gVisor(warm: true))] {
            try await sandbox.checkAvailability()
            let job = SandboxJob(
                command: .shell("python3 evaluate.py {program}"), program: "ORDER = 3\n", programFileName: "program.py",
                problemDirectory: directory.url, limits: SandboxLimits(SandboxConfiguration(timeout: 60)), preload: ["numpy", "scipy.signal"])
            let started = Date()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<2 {
                    group.addTask {
                        for _ in stride(from: worker, to: count, by: 2) {
                            let outcome = try await sandbox.run(job)
                            guard case .exited(0) = outcome.termination else {
                                throw ValidationError("the evaluation failed: \(outcome.stderr.suffix(300))")
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            row(name, Double(count) / Date().timeIntervalSince(started))
            await sandbox.shutdown()
        }
        print("")
    }

    /// The model client alone against the instant loopback server.
    func modelOnly() async throws {
        let server = try await LoopbackLLMServer.start { .answer(KnapsackAnswers.variant($0.index)) }
        defer { Task { await server.shutdown() } }
        for stream in [true, false] {
            let client = OllamaClient(
                configuration: .init(endpoint: server.url, model: LLMConfiguration.defaultModel, stream: stream), logger: logger)
            let messages = [ChatMessage(.system, "s"), ChatMessage(.user, String(repeating: "code line\n", count: 300))]
            let count = evaluations
            let started = Date()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<2 {
                    group.addTask {
                        for _ in stride(from: worker, to: count, by: 2) { _ = try await client.chat(messages, options: GenerationOptions()) }
                    }
                }
                try await group.waitForAll()
            }
            row("Ollama client alone, stream \(stream), 2 at a time", Double(count) / Date().timeIntervalSince(started))
        }
    }

    /// The sandbox alone, without the engine: how much each evaluation costs on top of the command.
    func sandboxOnly() async throws {
        let (problem, problemDirectory) = try knapsack()
        defer { problemDirectory.remove() }
        var backends: [(String, any Sandbox)] = [("process", ProcessSandbox(configuration: .init(), logger: logger))]
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/runsc"), getuid() == 0 {
            let gvisor = gVisor()
            try await gvisor.checkAvailability()
            backends.append(("gvisor", gvisor))
            backends.append(("gvisor, reuse 50", gVisor(reuse: 50)))
            backends.append(("gvisor, warm", gVisor(warm: true)))
        }
        // The Docker backend: on DOCKER_HOST if set (image from EVOLVE_BENCH_IMAGE), else on a
        // podman service of our own, with runsc, when podman is installed.
        var podman: PodmanService?
        defer { podman?.stop() }
        let environment = ProcessInfo.processInfo.environment
        if let host = environment["DOCKER_HOST"] {
            var docker = DockerSandbox.Configuration()
            docker.host = host
            docker.image = environment["EVOLVE_BENCH_IMAGE"] ?? DockerSandbox.defaultImage
            backends.append(("docker", DockerSandbox(configuration: docker, logger: logger)))
        } else if PodmanService.isInstalled {
            let service = try await PodmanService.start()
            podman = service
            var docker = DockerSandbox.Configuration()
            docker.host = service.host
            docker.image = PodmanService.image
            backends.append(("docker (podman, runsc)", DockerSandbox(configuration: docker, logger: logger)))
        }
        for (backend, sandbox) in backends {
            try await sandbox.checkAvailability()
            for (name, command) in [
                ("knapsack", problem.configuration.evaluator.command), ("trivial", CommandLineSpec.shell("echo '{\"score\": 1}' # {program}")),
            ] {
                let job = SandboxJob(
                    command: command, program: problem.initialProgram, programFileName: "program.py",
                    problemDirectory: problem.directory, limits: SandboxLimits(problem.configuration.sandbox))
                let count = evaluations / 2
                let started = Date()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for worker in 0..<2 {
                        group.addTask {
                            for _ in stride(from: worker, to: count, by: 2) { _ = try await sandbox.run(job) }
                        }
                    }
                    try await group.waitForAll()
                }
                row("\(backend) sandbox alone, \(name), 2 at a time", Double(count) / Date().timeIntervalSince(started))
            }
            await sandbox.shutdown()
        }
    }

    /// The knapsack example copied into a temporary folder (removed by the caller), and its problem.
    func knapsack() throws -> (Problem, TemporaryDirectory) {
        let directory = try TemporaryDirectory(prefix: "evolve-bench")
        do {
            try directory.copyContents(of: PackagePaths.knapsackExample)
            return (try Problem.load(from: directory.url), directory)
        } catch {
            directory.remove()
            throw error
        }
    }

    func row(_ name: String, _ rate: Double) {
        print("| \(name) | \(String(format: "%.1f", rate)) | \(String(format: "%.2f", 1000 / rate)) |")
    }

    func percent(_ ratio: Double) -> String { String(format: "%.0f%%", ratio * 100) }

    /// Runs the problem's evaluator directly (no sandbox wrapper, no engine), `parallel` at a time.
    func bareLoop(problem: Problem, count: Int, parallel: Int) async throws -> Double {
        let candidate = problem.directory.appendingPathComponent(problem.configuration.program).path
        let argv: [String]
        switch problem.configuration.evaluator.command {
        case .shell(let text): argv = ["/bin/sh", "-c", text.replacingOccurrences(of: "{program}", with: candidate)]
        case .arguments(let words): argv = words.map { $0.replacingOccurrences(of: "{program}", with: candidate) }
        }
        let started = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<parallel {
                group.addTask {
                    for _ in stride(from: worker, to: count, by: parallel) {
                        let process = Process()
                        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                        process.arguments = argv
                        process.currentDirectoryURL = problem.directory
                        process.environment = ["PATH": "/usr/local/bin:/usr/bin:/bin"]
                        process.standardOutput = FileHandle.nullDevice
                        try process.run()
                        process.waitUntilExit()
                    }
                }
            }
            try await group.waitForAll()
        }
        return Double(count) / Date().timeIntervalSince(started)
    }

    /// Runs the real pipeline, assembled by the same `RunBuilder` as `evolve run`, against an
    /// instant model until `evaluations` children are evaluated.
    func engine(
        problem: Problem, server: LoopbackLLMServer, evaluations: Int, backend: SandboxConfiguration.Backend = .process,
        reuse: Int = 1, warm: Bool = false, inFlight: Int = 2, modelSlots: Int? = nil
    ) async throws -> EngineRun {
        var problem = problem
        problem.configuration.search.iterations = evaluations
        problem.configuration.goal.target = nil
        problem.configuration.llm.concurrency = modelSlots ?? 2
        problem.configuration.sandbox.concurrency = inFlight
        problem.configuration.sandbox.backend = backend
        problem.configuration.sandbox.gvisor.reuse = reuse
        problem.configuration.sandbox.warm = warm
        let runDirectory = try TemporaryDirectory(prefix: "evolve-bench-run")
        defer { runDirectory.remove() }
        let builder = RunBuilder(
            problem: problem,
            overrides: RunOverrides(
                model: LLMConfiguration.defaultModel, provider: .ollama, ollamaURL: server.url,
                runDirectory: runDirectory.url.appendingPathComponent("run").path),
            logger: logger)
        let (summary, seconds, durations) = try await builder.withRun { run in
            let started = Date()
            let summary = try await run.execute(signals: [], logger: logger)
            let seconds = Date().timeIntervalSince(started)
            return (summary, seconds, try await run.store.allPrograms().map(\.result.duration))
        }
        let mean = durations.reduce(0, +) / Double(max(1, durations.count))
        FileHandle.standardError.write(Data("  (mean time inside the sandbox per evaluation: \(String(format: "%.2f", mean * 1000)) ms over \(durations.count))\n".utf8))
        return EngineRun(
            rate: Double(summary.evaluations) / seconds, peakMB: Double(residentKB(peak: true)) / 1024,
            occupancy: summary.occupancy.summary(
                modelSlots: summary.modelSlots, evaluationSlots: summary.evaluationSlots, over: summary.elapsedSeconds))
    }

    // MARK: - Archive

    func archive() {
        print("## Archive: sample() + add() (2 islands, 2 feature dimensions × 8 bins)\n")
        print("| programs | p50 µs | p99 µs | max µs | resident MB |")
        print("|---:|---:|---:|---:|---:|")
        for size in sizes {
            var rng = SplitMix64(seed: 7)
            var database = ProgramDatabase(configuration: ArchiveConfiguration(search: SearchConfiguration(islands: 2, features: ["length", "nesting"], bins: 8)))
            let code = String(repeating: "x = 1\n", count: 40)
            func program(_ index: Int, island: Int) -> Program {
                let score = Double.random(in: 0...1000, using: &rng)
                let features = ["length": Double.random(in: 100...4000, using: &rng), "nesting": Double(Int.random(in: 0...8, using: &rng))]
                return Program(
                    id: ProgramID.random(using: &rng), parentID: nil, origin: index == 0 ? .initial : .mutation, iteration: index,
                    island: island, generation: 1, code: code + "# \(index)\n", result: EvaluationResult(status: .success, score: score),
                    features: features)
            }
            for index in 0..<size { database.add(program(index, island: index % 2)) }
            var latencies: [Double] = []
            let operations = 20_000
            latencies.reserveCapacity(operations)
            let clock = ContinuousClock()
            for index in 0..<operations {
                let started = clock.now
                let selection = database.sample(island: index % 2)
                var child = program(size + index, island: index % 2)
                child.parentID = selection?.parent.id
                database.add(child)
                let elapsed = started.duration(to: clock.now)
                latencies.append(elapsed.inSeconds * 1e6)
            }
            latencies.sort()
            let p50 = latencies[operations / 2], p99 = latencies[operations * 99 / 100], top = latencies.last!
            print("| \(size) | \(String(format: "%.1f", p50)) | \(String(format: "%.1f", p99)) | \(String(format: "%.0f", top)) | \(String(format: "%.1f", Double(residentKB(peak: false)) / 1024)) |")
            withExtendedLifetime(database) {}
        }
        print("")
    }
}

/// One engine run's evaluations per second, the benchmark's peak memory, and the run's slot occupancy line.
struct EngineRun {
    var rate: Double
    var peakMB: Double
    var occupancy: String
}

/// Resident memory of this process in KiB (VmHWM: the peak; VmRSS: now).
func residentKB(peak: Bool) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    let key = peak ? "VmHWM:" : "VmRSS:"
    for line in status.split(separator: "\n") where line.hasPrefix(key) {
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
    return 0
}
