import EvolveCore
import Foundation

extension SlurmSandbox {
    /// What a killed process of this run left: its jobs and steps still in squeue (all named with
    /// the run's prefix, the held allocation too) are cancelled and confirmed gone before anything
    /// is placed again, so that no evaluation is running twice. Then the evaluations that finished
    /// meanwhile (their launcher wrote the outcome, or Slurm ended them TIMEOUT or OUT_OF_MEMORY)
    /// are collected (`SlurmKeptOutcomes`): the resumed run uses each for the next evaluation of
    /// the same candidate and command instead of evaluating it again. The rest of the run's folder
    /// on the shared path (the launcher, the other evaluations' folders and, with isolation
    /// `gvisor`, the sandboxes' root) is removed.
    public func recover(problemDirectory: URL) async -> [String] {
        var done: [String] = []
        let prefix = configuration.runName + "-"
        do {
            try prepareScratch()
            let left = try await client.jobs(named: prefix)
            if !left.isEmpty {
                let confirmed = await client.cancel(named: prefix, within: .seconds(60))
                let names = left.map { "\($0.id) \($0.name) (\($0.state))" }.joined(separator: ", ")
                done.append(
                    "cancelled \(left.count) Slurm job(s) an earlier process of this run left: \(names)"
                        + (confirmed ? "" : "; squeue still lists some after 60 s"))
            }
        } catch {
            done.append("could not ask Slurm for this run's earlier jobs (\(error)); any left will end at their time limit")
        }
        let folder = configuration.runDirectory(for: problemDirectory)
        if FileManager.default.fileExists(atPath: folder.path) {
            GVisorSandbox.unmountEverything(under: folder)
            let collected = await kept.collect(
                from: folder, client: client, placement: configuration.slurm.placement, queueTimeout: configuration.slurm.queueTimeout)
            if !collected.isEmpty {
                done.append(
                    "collected the outcome of \(collected.count) evaluation(s) that finished while evolve was down "
                        + "(used for the same candidate instead of evaluating it again): \(collected.joined(separator: ", "))")
            }
            done.append(
                FileManager.default.fileExists(atPath: folder.appendingPathComponent("jobs").path)
                    ? "could not remove everything in \(folder.path)" : "removed \(folder.path), an earlier process's folder on the shared path"
                        + (collected.isEmpty ? "" : " (but its collected outcomes)"))
        }
        return done
    }
}
