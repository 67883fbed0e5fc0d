import EvolveCore
import Foundation

/// The options of Slurm's commands, from `sandbox.slurm`.
struct SlurmArguments: Sendable {
    var configuration: SlurmSandbox.Configuration
    var slurm: SandboxConfiguration.Slurm { configuration.slurm }

    /// Where the job may run and what it may use (jobs and the held allocation).
    private var placement: [String] {
        var words: [String] = []
        if let partition = slurm.partition { words.append("--partition=\(partition)") }
        if let account = slurm.account { words.append("--account=\(account)") }
        if let qos = slurm.qos { words.append("--qos=\(qos)") }
        if let constraint = slurm.constraint { words.append("--constraint=\(constraint)") }
        return words
    }

    /// What one evaluation uses (a job, or a step of the allocation).
    private func resources(timeout: Double, excluding nodes: Set<String>) -> [String] {
        var words = ["--nodes=1", "--ntasks=1", "--cpus-per-task=\(slurm.cpus)", "--time=\(configuration.minutes(for: timeout))"]
        if let memory = slurm.memoryMB { words.append("--mem=\(memory)") }
        if let gres = slurm.gres { words.append("--gres=\(gres)") }
        if !nodes.isEmpty { words.append("--exclude=\(nodes.sorted().joined(separator: ","))") }
        return words
    }

    /// `srun` for one evaluation: its own job (`allocation` nil) or a step of the held allocation.
    /// `--quiet` keeps srun's informational lines out of its error output, errors stay.
    func srun(name: String, allocation: String?, timeout: Double, excluding nodes: Set<String>, task: [String]) -> [String] {
        let common = ["--job-name=\(name)", "--quiet", "--input=none"] + resources(timeout: timeout, excluding: nodes)
        guard let allocation else { return common + placement + slurm.extraArgs + ["--"] + task }
        // --exclusive: a step gets CPUs of its own; steps wait (inside srun) for a free one.
        return ["--jobid=\(allocation)", "--exclusive"] + common + ["--"] + task
    }

    /// `salloc` for the allocation the steps run in: one task per evaluation in flight, kept
    /// (`--no-kill`) when one of its nodes fails, with no shell: it lives until scancel, or until
    /// the partition's default time limit (`extra_args` may give it a `--time`). Not `--quiet`:
    /// its "Granted job allocation N" line names the allocation.
    func salloc(name: String) -> [String] {
        var words = [
            "--no-shell", "--no-kill", "--job-name=\(name)", "--ntasks=\(configuration.concurrency)",
            "--cpus-per-task=\(slurm.cpus)",
        ]
        if let memory = slurm.memoryMB { words.append("--mem-per-cpu=\((memory + slurm.cpus - 1) / slurm.cpus)") }
        if let gres = slurm.gres { words.append("--gres=\(gres)") }
        return words + placement + slurm.extraArgs
    }
}
