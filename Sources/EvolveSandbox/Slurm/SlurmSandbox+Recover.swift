import Foundation

extension SlurmSandbox {
    /// What a killed process of this run left: its jobs and steps (all named with the run's
    /// prefix, the held allocation too) are cancelled and confirmed gone from squeue before
    /// anything is placed again, so that no evaluation is running twice; then the run's folder on
    /// the shared path (the launcher, the evaluations' folders and, with isolation `gvisor`, the
    /// sandboxes' root) is removed. The evaluations that were in flight were never committed: the
    /// resumed run generates and evaluates afresh (their results are not collected).
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
            do {
                try FileManager.default.removeItem(at: folder)
                done.append("removed \(folder.path), an earlier process's folder on the shared path")
            } catch {
                done.append("could not remove \(folder.path): \(error.localizedDescription)")
            }
        }
        return done
    }
}
