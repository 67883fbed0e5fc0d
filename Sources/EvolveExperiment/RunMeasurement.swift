import EvolveController
import EvolveCore
import EvolveDatabase
import Foundation

/// What one run did, read from its database: the best score after each model call, and the
/// counts the report aggregates.
public struct RunMeasurement: Sendable, Hashable, Codable {
    public var problem: String
    public var variant: String
    public var seed: UInt64
    public var directory: String
    public var goal: Goal
    /// The starting program's score.
    public var initialScore: Double?
    /// `best[k]`: the best score among the starting program and the children of the first
    /// `k + 1` model calls (in the order the calls were stored).
    public var best: [Double?]
    /// `tokens[k]`: prompt plus completion tokens of the first `k + 1` calls (0 where the server reported none).
    public var tokens: [Int]
    /// True when no call of the run had token counts.
    public var tokensUnknown: Bool
    public var modelCalls: Int
    /// Answers received (calls that did not fail).
    public var answers: Int
    /// Answers that became evaluated children.
    public var children: Int
    /// Calls that did not become a child, by kind (rejection reasons, duplicate, model_error).
    public var rejections: [String: Int]
    /// Distinct cells of the feature grid filled by successful programs.
    public var cells: Int
    /// From the start of the starting program's evaluation to the last stored call or program
    /// (across sessions, so a resumed run's pause counts too).
    public var wallSeconds: Double
    public var evaluatorSeconds: Double
    /// The honest verifiers (`evaluator.final`, `evaluator.recheck`); nil for a run without them.
    public var verifiers: Verifiers?
    /// The peer system and version that made the run (`openevolve 0.4.0`); nil for Evolve's own runs.
    public var peer: String? = nil
    /// What stopped the peer, when it failed (it could not start, crashed, or its server failed).
    public var peerError: String? = nil
    /// How busy the run's model and evaluation slots were, from its children's stage times; nil
    /// for a peer's run and for runs stored before stage times were (migration v7).
    public var slots: SlotShares? = nil

    /// What the honest verifiers found in a run.
    public struct Verifiers: Sendable, Hashable, Codable {
        /// The starting program's held-out score.
        public var initialHeldOut: Double?
        /// `heldOut[k]`: the held-out score of the program that is `best[k]` (nil where it has none).
        public var heldOut: [Double?]
        /// Would-be bests whose score did not reproduce, and how many of them were refused.
        public var unstable: Int
        public var refused: Int
        /// The run's final best ran the held-out stage, and it did not score.
        public var heldOutFailed: Bool
    }

    /// The best score after `calls` model calls (the whole run's best when it made fewer).
    public func best(atCalls calls: Int) -> Double? {
        Self.value(atCalls: calls, in: best, initial: initialScore)
    }

    /// `values[k]` after call k + 1: `initial` before the first call, the last value after the last.
    static func value(atCalls calls: Int, in values: [Double?], initial: Double?) -> Double? {
        guard calls > 0, !values.isEmpty else { return initial }
        return values[min(calls, values.count) - 1]
    }

    /// The first call count at which the best score reached the goal's target (0: the start did).
    public var callsToTarget: Int? {
        guard goal.target != nil else { return nil }
        if let initialScore, goal.reachesTarget(initialScore) { return 0 }
        return best.firstIndex { $0.map(goal.reachesTarget) ?? false }.map { $0 + 1 }
    }

    public var tokensToTarget: Int? {
        guard !tokensUnknown, let calls = callsToTarget else { return nil }
        return calls == 0 ? 0 : tokens[calls - 1]
    }

    public var reachedTarget: Bool { callsToTarget != nil }

    /// The held-out score of the best program after `calls` model calls, when the run has one.
    public func heldOut(atCalls calls: Int) -> Double? {
        verifiers.flatMap { Self.value(atCalls: calls, in: $0.heldOut, initial: $0.initialHeldOut) }
    }
}

extension RunMeasurement {
    /// Reads the run in `directory`; `problem`, `variant` and `seed` default to the run's own
    /// problem directory name, search strategy and seed.
    public static func read(
        _ directory: RunDirectory, problem: String? = nil, variant: String? = nil, seed: UInt64? = nil
    ) async throws -> RunMeasurement {
        // Read-only: a report never changes a run (no schema migration of an older run's file).
        let store = try directory.openStore(readOnly: true)
        let info = try await store.runInfo()
        let configuration = info.configuration ?? ProblemConfiguration()
        let programs = try await store.allPrograms()
        var attempts: [AttemptRecord] = []
        for iteration in try await store.finishedIterations().sorted() {
            attempts += try await store.attempts(iteration: iteration)
        }
        attempts.sort { ($0.createdAt, $0.iteration, $0.attempt) < ($1.createdAt, $1.iteration, $1.attempt) }
        var measurement = RunMeasurement(
            problem: problem ?? info.problemDirectory.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "problem",
            variant: variant ?? configuration.search.strategy.rawValue, seed: seed ?? configuration.search.seed,
            directory: directory.url.path, configuration: configuration, programs: programs, attempts: attempts)
        let timings = programs.compactMap(\.timing)
        if !timings.isEmpty {
            measurement.slots = SlotShares(
                timings, modelSlots: configuration.llm.concurrency, evaluationSlots: configuration.sandbox.concurrency)
        }
        return measurement
    }

    init(
        problem: String, variant: String, seed: UInt64, directory: String, configuration: ProblemConfiguration, programs: [Program],
        attempts: [AttemptRecord]
    ) {
        let goal = configuration.goal
        let initial = programs.first { $0.origin == .initial }
        let children = Dictionary(programs.filter { $0.origin == .mutation }.map { ($0.iteration, $0) }, uniquingKeysWith: { a, _ in a })
        var current = initial?.score, currentCheck = initial?.verification
        var best: [Double?] = [], heldOut: [Double?] = [], tokens: [Int] = [], total = 0, counted = false
        var rejections: [String: Int] = [:], answers = 0, accepted = 0
        for attempt in attempts {
            if attempt.outcome != .modelError { answers += 1 }
            if attempt.outcome == .accepted, let child = children[attempt.iteration] {
                accepted += 1
                if let score = child.score, current.map({ goal.isBetter(score, than: $0) }) ?? true {
                    current = score
                    currentCheck = child.verification
                }
            } else if attempt.outcome != .accepted {
                rejections[attempt.kind ?? attempt.outcome.rawValue, default: 0] += 1
            }
            if attempt.promptTokens != nil || attempt.completionTokens != nil { counted = true }
            total += (attempt.promptTokens ?? 0) + (attempt.completionTokens ?? 0)
            best.append(current)
            heldOut.append(currentCheck?.heldOutScore)
            tokens.append(total)
        }
        let evaluated = programs.filter { $0.origin != .migration }
        // The starting program is stored once evaluated: the run began that long before.
        let start = initial.map { $0.createdAt.addingTimeInterval(-$0.result.duration) } ?? attempts.first?.createdAt ?? Date()
        let end = max(attempts.last?.createdAt ?? start, programs.map(\.createdAt).max() ?? start)
        self.init(
            problem: problem, variant: variant, seed: seed, directory: directory, goal: goal, initialScore: initial?.score, best: best,
            tokens: tokens, tokensUnknown: !counted, modelCalls: attempts.count, answers: answers, children: accepted,
            rejections: rejections, cells: Self.cells(of: evaluated, search: configuration.search),
            wallSeconds: end.timeIntervalSince(start),
            evaluatorSeconds: evaluated.reduce(0) { $0 + $1.evaluatorSeconds },
            verifiers: Self.verifiers(of: programs, initial: initial, heldOut: heldOut, last: currentCheck))
    }

    /// The verifiers' findings, when any program of the run was verified.
    static func verifiers(of programs: [Program], initial: Program?, heldOut: [Double?], last: Verification?) -> Verifiers? {
        // Migrants are copies: their findings are their originals'.
        let verified = programs.filter { $0.origin != .migration }.compactMap(\.verification)
        guard !verified.isEmpty else { return nil }
        let unstable = verified.filter { !$0.isStable }
        return Verifiers(
            initialHeldOut: initial?.verification?.heldOutScore, heldOut: heldOut, unstable: unstable.count,
            refused: unstable.filter(\.refused).count, heldOutFailed: last?.heldOut.map { $0.score == nil } ?? false)
    }

    /// Distinct cells of the run's feature grid among its successful programs: each feature's
    /// range is its configured one, else the range the run's programs span, cut into `bins`.
    static func cells(of programs: [Program], search: SearchConfiguration) -> Int {
        let scored = programs.filter { $0.score != nil }
        guard !search.features.isEmpty else { return Set(scored.map(\.code)).count }
        var ranges: [String: (Double, Double)] = [:]
        for name in search.features {
            if let range = search.featureRanges[name], range.count == 2 {
                ranges[name] = (range[0], range[1])
            } else {
                let values = scored.compactMap { $0.features[name] }
                ranges[name] = (values.min() ?? 0, values.max() ?? 0)
            }
        }
        let keys = scored.map { program in
            search.features.map { name -> Int in
                guard let value = program.features[name], let range = ranges[name], range.1 > range.0 else { return 0 }
                return min(search.bins - 1, max(0, Int((value - range.0) / (range.1 - range.0) * Double(search.bins))))
            }
        }
        return Set(keys).count
    }
}
