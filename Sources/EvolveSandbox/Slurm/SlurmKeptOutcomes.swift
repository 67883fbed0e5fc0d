import EvolveCore
import Foundation
import Synchronization

/// The outcomes of evaluations that a killed process of this run placed and that ended while
/// evolve was down, collected by the resumed run (`SlurmSandbox.recover`) so that it does not
/// evaluate them again.
///
/// A killed evolve does not take its evaluations with it: each `srun` runs on, its launcher keeps
/// the evaluation's wall clock, and writes `outcome.json` (with the evaluation's nonce, which
/// job.json on the shared path also holds) into the evaluation's folder. Once every job of the run
/// has ended or been cancelled, each folder whose outcome is known is moved to `RUN/kept/` and
/// kept under its key (a hash of the candidate, the evaluator's command and the problem
/// directory): the next evaluation of the same key takes it instead of being placed. A different
/// candidate or command never matches. What is not taken by the end of the run is removed.
final class SlurmKeptOutcomes: Sendable {
    struct Kept: Sendable {
        var directory: SlurmJobDirectory
        var verdict: SlurmVerdict
    }

    private let kept = Mutex<[String: [Kept]]>([:])
    /// The run folders outcomes were kept in, removed at the end.
    private let folders = Mutex<Set<URL>>([])

    /// Goes through the evaluations' folders in `run/jobs/` (call once no job of the run is left):
    /// keeps those whose outcome is known (`outcome.json` with its nonce, or, without one, a job
    /// that Slurm ended TIMEOUT or OUT_OF_MEMORY, as squeue or sacct says) and removes everything
    /// else of the run's folder. Returns the names of the evaluations kept.
    func collect(from run: URL, client: SlurmClient, placement: SandboxConfiguration.Slurm.Placement, queueTimeout: Double) async
        -> [String]
    {
        let jobs = run.appendingPathComponent("jobs")
        let keptFolder = run.appendingPathComponent("kept")
        var names: [String] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: jobs.path)) ?? [] {
            guard let found = SlurmJobDirectory(existing: jobs.appendingPathComponent(entry)), let key = found.key else { continue }
            let started = found.record("started.json")
            var evidence = SlurmVerdict.Evidence(
                outcome: found.record("outcome.json"), started: started, srunStatus: nil, stoppedByWallClock: false,
                srunErrors: readTail(of: found.file("srun.err"), limit: 16 << 10).text, jobState: nil, queueTimeout: queueTimeout)
            // A step's state is its allocation's: only a job of its own says how the evaluation ended.
            if evidence.outcome == nil, placement == .jobs, let id = started?.jobID {
                evidence.jobState = await client.state(ofJob: found.name, id: id)
            }
            let verdict = SlurmVerdict(evidence)
            guard case .finished = verdict else { continue }
            let destination = keptFolder.appendingPathComponent(entry)
            do {
                try FileManager.default.createDirectory(at: keptFolder, withIntermediateDirectories: true)
                try FileManager.default.moveItem(at: found.url, to: destination)
            } catch {
                continue
            }
            guard let moved = SlurmJobDirectory(existing: destination) else { continue }
            kept.withLock { $0[key, default: []].append(Kept(directory: moved, verdict: verdict)) }
            names.append(found.name)
        }
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: run.path)) ?? [] where entry != "kept" {
            try? FileManager.default.removeItem(at: run.appendingPathComponent(entry))
        }
        if names.isEmpty {
            try? FileManager.default.removeItem(at: run)
        } else {
            _ = folders.withLock { $0.insert(run) }
        }
        return names
    }

    /// The kept outcome of an evaluation of `key`, if there is one; it is handed out once.
    func take(_ key: String) -> Kept? {
        kept.withLock { kept in
            guard var list = kept[key], !list.isEmpty else { return nil }
            let first = list.removeFirst()
            kept[key] = list.isEmpty ? nil : list
            return first
        }
    }

    /// Removes what was not taken, and the run folders it lay in.
    func removeAll() {
        kept.withLock { $0.removeAll() }
        for folder in folders.withLock({ folders in defer { folders.removeAll() }; return folders }) {
            try? FileManager.default.removeItem(at: folder)
        }
    }
}
