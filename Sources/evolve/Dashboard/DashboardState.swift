import EvolveCore
import Foundation

/// What the terminal dashboard shows, folded from a run's events. A value: tests feed it events
/// and read the lines `lines(width:height:now:)` renders, without a terminal.
struct DashboardState: Sendable {
    /// A child that was evaluated, or an iteration that ended without one.
    struct Child: Sendable, Hashable {
        var iteration: Int
        var island: Int?
        /// The evaluation status, or `no child` for an iteration without an evaluation.
        var status: String
        var score: Double?
        var reason: String?
        var isNewBest: Bool
        var succeeded: Bool
        /// The honest verifiers' line of a would-be best (`evaluator.recheck`, `evaluator.final`).
        var verification: String? = nil
    }

    struct Island: Sendable, Hashable {
        var programs = 0
        var best: Double?
    }

    /// How many children are kept for the list of the last ones.
    static let keptChildren = 100

    let goal: Goal
    var model = ""
    var backend = ""
    var runDirectory = ""
    var totalIterations: Int
    var finishedIterations = 0
    var evaluations = 0
    var best: Double?
    /// The best score after each evaluation, for the sparkline.
    var bestHistory: [Double] = []
    var islands: [Int: Island]
    /// Newest first.
    var children: [Child] = []
    var failures: [String: Int] = [:]
    var rejectedAnswers = 0
    var faults: [String: Int] = [:]
    var cost = 0.0
    var inFlight = EvolutionEvent.WorkInFlight(modelCalls: 0, evaluations: 0, waiting: 0)
    var started: Date?
    var ended: Date?
    var finish: EvolutionEvent.RunFinished?
    /// Set by the first Ctrl-C: the run is finishing its work and saving.
    var stopping = false
    var lastNote: String?
    /// Scores of the programs seen, so a migrant's score counts for the island it joins.
    private var scores: [ProgramID: Double] = [:]

    init(goal: Goal, iterations: Int, islands: Int) {
        self.goal = goal
        self.totalIterations = iterations
        self.islands = Dictionary(uniqueKeysWithValues: (0..<max(islands, 1)).map { ($0, Island()) })
    }

    mutating func apply(_ event: EvolutionEvent, at now: Date = Date()) {
        switch event {
        case .runStarted(let run):
            model = run.model
            backend = run.backend
            runDirectory = run.runDirectory
            totalIterations = run.iterations
            finishedIterations = run.finishedIterations
            started = now
        case .programAdded(let added):
            add(added)
        case .iterationFailed(let failed):
            finishedIterations += 1
            failures[failed.reason.code, default: 0] += 1
            cost = max(cost, failed.runCost)
            remember(Child(
                iteration: failed.iteration, island: nil, status: "no child", score: nil, reason: failed.reason.code + ": " + failed.message,
                isNewBest: false, succeeded: false))
        case .mutationRejected:
            rejectedAnswers += 1
        case .migration(let migration):
            islands[migration.to, default: Island()].programs += 1
            if let score = scores[migration.programID] { improve(island: migration.to, with: score) }
            lastNote = "migration: island \(migration.from) → \(migration.to)"
        case .modelFault(let fault):
            faults[fault.kind, default: 0] += 1
        case .workInFlight(let work):
            inFlight = work
        case .runFinished(let finished):
            finish = finished
            ended = now
        }
    }

    private mutating func add(_ added: EvolutionEvent.ProgramAdded) {
        if added.iteration > 0 { finishedIterations += 1 }
        evaluations += 1
        best = added.bestScore
        if let best { bestHistory.append(best) }
        cost = max(cost, added.runCost)
        islands[added.island, default: Island()].programs += 1
        let succeeded = added.status == .success && added.score != nil
        if succeeded, let score = added.score {
            scores[added.programID] = score
            improve(island: added.island, with: score)
        } else {
            failures[added.status.rawValue, default: 0] += 1
        }
        remember(Child(
            iteration: added.iteration, island: added.island, status: added.status.rawValue, score: added.score,
            reason: added.failureReason, isNewBest: added.isNewBest, succeeded: succeeded, verification: added.verification))
    }

    private mutating func improve(island: Int, with score: Double) {
        let current = islands[island]?.best
        if current.map({ goal.isBetter(score, than: $0) }) ?? true { islands[island, default: Island()].best = score }
    }

    private mutating func remember(_ child: Child) {
        children.insert(child, at: 0)
        if children.count > Self.keptChildren { children.removeLast() }
    }

    /// Evaluations per second since the run started.
    func rate(at now: Date) -> Double {
        guard let started else { return 0 }
        return Double(evaluations) / max((ended ?? now).timeIntervalSince(started), 0.001)
    }

    func elapsed(at now: Date) -> TimeInterval {
        guard let started else { return 0 }
        return max((ended ?? now).timeIntervalSince(started), 0)
    }
}
