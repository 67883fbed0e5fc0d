import EvolveCore
import Testing

/// `sandbox.slurm` in evolve.yaml.
@Suite("Slurm configuration")
struct SlurmConfigurationTests {
    func parse(_ yaml: String) throws -> SandboxConfiguration {
        try ProblemConfiguration.parse(yaml: yaml, file: "evolve.yaml").sandbox
    }

    @Test("by default: jobs placement, gVisor on the nodes, one CPU, the cluster's defaults for the rest")
    func defaults() throws {
        let slurm = try parse("sandbox:\n  backend: slurm\n").slurm
        #expect(slurm == SandboxConfiguration.Slurm())
        #expect(slurm.placement == .jobs && slurm.isolation == .gvisor && slurm.cpus == 1 && slurm.retries == 1)
        #expect(slurm.partition == nil && slurm.time == nil && slurm.memoryMB == nil && slurm.sharedDirectory == nil)
    }

    @Test("every key is read")
    func everyKey() throws {
        let sandbox = try parse("""
            sandbox:
              backend: slurm
              slurm:
                partition: gpu
                account: lab42
                qos: short
                time: 5
                cpus: 4
                memory_mb: 8000
                gres: gpu:1
                constraint: a100
                extra_args: ["--reservation=evolve", "--nice=10"]
                placement: steps
                isolation: process
                shared_directory: /shared/scratch/evolve
                retries: 2
                queue_timeout: 60
            """)
        #expect(sandbox.backend == .slurm)
        #expect(
            sandbox.slurm
                == SandboxConfiguration.Slurm(
                    partition: "gpu", account: "lab42", qos: "short", time: 5, cpus: 4, memoryMB: 8000, gres: "gpu:1", constraint: "a100",
                    extraArgs: ["--reservation=evolve", "--nice=10"], placement: .steps, isolation: .process,
                    sharedDirectory: "/shared/scratch/evolve", retries: 2, queueTimeout: 60))
    }

    @Test(
        "bad settings name the file, line and key and say what is wanted",
        arguments: [
            ("sandbox:\n  slurm:\n    placement: nodes\n", 3, "sandbox.slurm.placement", "jobs, steps"),
            ("sandbox:\n  slurm:\n    isolation: docker\n", 3, "sandbox.slurm.isolation", "gvisor, process"),
            ("sandbox:\n  slurm:\n    partiton: gpu\n", 3, "sandbox.slurm.partiton", "did you mean `partition`?"),
            ("sandbox:\n  slurm:\n    time: 0\n", 3, "sandbox.slurm.time", "whole minutes"),
            ("sandbox:\n  slurm:\n    cpus: 0\n", 3, "sandbox.slurm.cpus", "at least 1"),
            ("sandbox:\n  slurm:\n    memory_mb: 8\n", 3, "sandbox.slurm.memory_mb", "at least 16"),
            ("sandbox:\n  slurm:\n    partition: gpu a100\n", 3, "sandbox.slurm.partition", "one word"),
            ("sandbox:\n  slurm:\n    extra_args: [\"\"]\n", 3, "sandbox.slurm.extra_args", "empty"),
            ("sandbox:\n  slurm:\n    shared_directory: scratch\n", 3, "sandbox.slurm.shared_directory", "absolute"),
            ("sandbox:\n  slurm:\n    retries: 11\n", 3, "sandbox.slurm.retries", "between 0 and 10"),
            ("sandbox:\n  slurm:\n    queue_timeout: 0\n", 3, "sandbox.slurm.queue_timeout", "positive"),
            ("sandbox:\n  backend: pbs\n", 2, "sandbox.backend", "slurm"),
        ])
    func badSettings(yaml: String, line: Int, key: String, words: String) throws {
        let error = #expect(throws: ConfigurationError.self) { try parse(yaml) }
        let description = error?.description ?? ""
        #expect(error?.line == line, "\(description)")
        #expect(error?.key == key, "\(description)")
        #expect(description.contains(words), "\(description)")
    }
}
