import EvolveController
import EvolveCore
import Foundation

/// The report of an experiment (or of runs given to `evolve compare`), computed from the runs'
/// databases: per problem and variant, the best score at fixed budgets of model calls, the share
/// of seeds reaching the target, calls and tokens to the target, what became of the answers,
/// cells filled and time; and per problem a rank test of every pair of variants at the largest
/// budget.
public struct ExperimentReport: Sendable, Codable {
    public struct Spread: Sendable, Hashable, Codable {
        public var median: Double
        public var q1: Double
        public var q3: Double
        public var seeds: Int

        init?(_ values: [Double]) {
            guard let median = Statistics.median(values), let range = Statistics.interquartileRange(values) else { return nil }
            self.median = median
            self.q1 = range.low
            self.q3 = range.high
            self.seeds = values.count
        }
    }

    public struct Interval: Sendable, Hashable, Codable {
        public var median: Double
        public var low: Double
        public var high: Double
        /// Seeds the figure comes from (those that reached the target).
        public var seeds: Int

        init?(_ values: [Double]) {
            guard let median = Statistics.median(values), let interval = Statistics.bootstrapMedianInterval(values) else { return nil }
            self.median = median
            self.low = interval.low
            self.high = interval.high
            self.seeds = values.count
        }
    }

    public struct VariantSummary: Sendable, Codable {
        public var variant: String
        public var seeds: [UInt64]
        /// Model-call budget (as text, a JSON key) → best score across seeds.
        public var bestAtCalls: [String: Spread]
        public var reachedTarget: Int
        public var successShare: Double?
        public var callsToTarget: Interval?
        public var tokensToTarget: Interval?
        public var modelCalls: Int
        public var answers: Int
        public var children: Int
        /// Answers that became evaluated children, over all answers.
        public var childRate: Double?
        /// Model calls that became evaluated programs, over all calls (the measure peers are compared by).
        public var callRate: Double?
        /// The peer system that made these runs (`openevolve 0.4.0`); nil for Evolve's own.
        public var peer: String?
        /// What stopped the peer in the seeds where it failed, by seed.
        public var peerErrors: [String: String]?
        public var rejections: [String: Int]
        public var cells: Spread?
        public var wallSeconds: Spread?
        public var evaluatorSeconds: Spread?
        /// How busy the model and evaluation slots were (shares 0…1, across seeds), for runs with stored stage times.
        public var modelBusy: Spread?
        public var evaluationBusy: Spread?
        /// Best score against model calls, 0...maxCalls: median and quartiles across seeds.
        public var curve: [CurvePoint]
        /// The honest verifiers, when the variant's runs had them: the held-out score of the best at each budget.
        public var heldOutAtCalls: [String: Spread]?
        /// Would-be bests whose scores did not reproduce (`evaluator.recheck`), and how many were refused.
        public var unstableBests: Int?
        public var refusedBests: Int?
        /// Seeds whose final best failed the held-out stage (it scored there on the search evaluator only).
        public var heldOutFailed: Int?
    }

    public struct CurvePoint: Sendable, Hashable, Codable {
        public var calls: Int
        public var median: Double
        public var q1: Double
        public var q3: Double
    }

    public struct Comparison: Sendable, Hashable, Codable {
        public var first: String
        public var second: String
        public var calls: Int
        public var firstMedian: Double?
        public var secondMedian: Double?
        /// Which is better at this budget by median (nil when tied), given the goal's direction.
        public var better: String?
        public var test: Statistics.RankTest?
    }

    public struct ProblemSummary: Sendable, Codable {
        public var problem: String
        public var direction: Goal.Direction
        public var target: Double?
        public var variants: [VariantSummary]
        /// The budget the variants are compared at: the largest of `budgets`.
        public var comparisonCalls: Int
        public var comparisons: [Comparison]
    }

    /// Model-call budgets reported (those up to the run budget, and the budget itself).
    public var budgets: [Int]
    public var problems: [ProblemSummary]
    public var runs: [RunMeasurement]
    public var method: String

    public static let standardBudgets = [5, 10, 20, 50, 100, 200, 500, 1000]

    /// The report of `runs`; `maxCalls` is the experiment's model-call budget, else the most calls any run made.
    public init(runs: [RunMeasurement], maxCalls: Int? = nil) {
        let limit = max(1, maxCalls ?? runs.map(\.modelCalls).max() ?? 1)
        let budgets = Self.standardBudgets.filter { $0 < limit } + [limit]
        self.budgets = budgets
        self.runs = runs
        self.method =
            "Best score at k model calls: the best of the starting program and the children of the first k stored calls. "
            + "Spread: median and quartiles (linear interpolation) across seeds. Calls and tokens to target: median over the seeds "
            + "that reached it, with a 95% percentile bootstrap interval (2000 resamples, fixed seed). Comparison: two-sided "
            + "Mann-Whitney U test of the best scores at the comparison budget (exact over all splits of the ranks when there "
            + "are at most \(Statistics.exactSplitLimit), else the tie-corrected normal approximation)."
        let problemNames = runs.map(\.problem).uniqued()
        problems = problemNames.map { name in
            let problemRuns = runs.filter { $0.problem == name }
            return Self.summarize(problem: name, runs: problemRuns, budgets: budgets, limit: limit)
        }
    }

    static func summarize(problem: String, runs: [RunMeasurement], budgets: [Int], limit: Int) -> ProblemSummary {
        let goal = runs.first?.goal ?? Goal()
        let names = runs.map(\.variant).uniqued()
        let variants = names.map { name in summarize(variant: name, runs: runs.filter { $0.variant == name }, budgets: budgets, limit: limit) }
        var comparisons: [Comparison] = []
        for (i, first) in names.enumerated() {
            for second in names[(i + 1)...] {
                let a = runs.filter { $0.variant == first }.compactMap { $0.best(atCalls: limit) }
                let b = runs.filter { $0.variant == second }.compactMap { $0.best(atCalls: limit) }
                let (ma, mb) = (Statistics.median(a), Statistics.median(b))
                var better: String?
                if let ma, let mb, ma != mb { better = goal.isBetter(ma, than: mb) ? first : second }
                comparisons.append(Comparison(
                    first: first, second: second, calls: limit, firstMedian: ma, secondMedian: mb, better: better,
                    test: Statistics.mannWhitney(a, b)))
            }
        }
        return ProblemSummary(
            problem: problem, direction: goal.direction, target: goal.target, variants: variants, comparisonCalls: limit,
            comparisons: comparisons)
    }

    static func summarize(variant: String, runs: [RunMeasurement], budgets: [Int], limit: Int) -> VariantSummary {
        var bestAt: [String: Spread] = [:]
        for calls in budgets {
            bestAt[String(calls)] = Spread(runs.compactMap { $0.best(atCalls: calls) })
        }
        let curve = (0...limit).compactMap { calls -> CurvePoint? in
            let values = runs.compactMap { $0.best(atCalls: calls) }
            guard let spread = Spread(values) else { return nil }
            return CurvePoint(calls: calls, median: spread.median, q1: spread.q1, q3: spread.q3)
        }
        let hasTarget = runs.first?.goal.target != nil
        let reached = runs.filter(\.reachedTarget)
        let (calls, answers, children) = (runs.map(\.modelCalls).reduce(0, +), runs.map(\.answers).reduce(0, +), runs.map(\.children).reduce(0, +))
        var summary = VariantSummary(
            variant: variant, seeds: runs.map(\.seed), bestAtCalls: bestAt, reachedTarget: reached.count,
            successShare: hasTarget && !runs.isEmpty ? Double(reached.count) / Double(runs.count) : nil,
            callsToTarget: Interval(reached.compactMap(\.callsToTarget).map(Double.init)),
            tokensToTarget: Interval(reached.compactMap(\.tokensToTarget).map(Double.init)),
            modelCalls: calls, answers: answers, children: children, childRate: answers > 0 ? Double(children) / Double(answers) : nil,
            callRate: calls > 0 ? Double(children) / Double(calls) : nil, peer: runs.compactMap(\.peer).first,
            peerErrors: Self.peerErrors(runs),
            rejections: runs.reduce(into: [:]) { total, run in total.merge(run.rejections, uniquingKeysWith: +) },
            cells: Spread(runs.map { Double($0.cells) }), wallSeconds: Spread(runs.map(\.wallSeconds)),
            evaluatorSeconds: Spread(runs.map(\.evaluatorSeconds)), modelBusy: Spread(runs.compactMap(\.slots?.model)),
            evaluationBusy: Spread(runs.compactMap(\.slots?.evaluation)), curve: curve)
        let verified = runs.compactMap(\.verifiers)
        guard !verified.isEmpty else { return summary }
        summary.heldOutAtCalls = Dictionary(uniqueKeysWithValues: budgets.compactMap { calls in
            Spread(runs.compactMap { $0.heldOut(atCalls: calls) }).map { (String(calls), $0) }
        })
        summary.unstableBests = verified.map(\.unstable).reduce(0, +)
        summary.refusedBests = verified.map(\.refused).reduce(0, +)
        summary.heldOutFailed = verified.filter(\.heldOutFailed).count
        return summary
    }

    static func peerErrors(_ runs: [RunMeasurement]) -> [String: String]? {
        let errors = runs.compactMap { run in run.peerError.map { ("seed-\(run.seed)", $0) } }
        return errors.isEmpty ? nil : Dictionary(errors, uniquingKeysWith: { first, _ in first })
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(self)
    }
}

extension Sequence where Element: Hashable {
    /// The elements in their first order, each once.
    func uniqued() -> [Element] {
        var seen: Set<Element> = []
        return filter { seen.insert($0).inserted }
    }
}
