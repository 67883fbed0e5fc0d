import Foundation

/// Limits on what one run may use. Any of them may be set; the first one reached stops the run:
/// no new model request starts once a limit is reached, and the work already in flight finishes
/// (so the child of the last allowed model call is still evaluated and stored).
public struct RunBudget: Sendable, Hashable, Codable {
    /// Model calls (stored attempts, failed requests included, and evaluators' answered calls
    /// through the model gateway).
    public var modelCalls: Int?
    /// Prompt plus completion tokens, as the model server reported them (the model gateway's included).
    public var tokens: Int?
    /// What the model answers cost (needs prices in `llm.models`).
    public var cost: Double?
    /// Seconds of evaluation, summed over every evaluated program.
    public var evaluatorSeconds: Double?
    /// Seconds of wall clock in this session of the run.
    public var wallClockSeconds: Double?

    public init(
        modelCalls: Int? = nil, tokens: Int? = nil, cost: Double? = nil, evaluatorSeconds: Double? = nil, wallClockSeconds: Double? = nil
    ) {
        self.modelCalls = modelCalls
        self.tokens = tokens
        self.cost = cost
        self.evaluatorSeconds = evaluatorSeconds
        self.wallClockSeconds = wallClockSeconds
    }

    /// Both budgets at once: each limit the smaller of the two that are set.
    public func tightened(by other: RunBudget) -> RunBudget {
        func least<T: Comparable>(_ a: T?, _ b: T?) -> T? { [a, b].compactMap { $0 }.min() }
        return RunBudget(
            modelCalls: least(modelCalls, other.modelCalls), tokens: least(tokens, other.tokens), cost: least(cost, other.cost),
            evaluatorSeconds: least(evaluatorSeconds, other.evaluatorSeconds), wallClockSeconds: least(wallClockSeconds, other.wallClockSeconds))
    }

    /// True when no limit is set.
    public var isUnlimited: Bool { self == RunBudget() }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case modelCalls = "model_calls"
        case tokens, cost
        case evaluatorSeconds = "evaluator_seconds"
        case wallClockSeconds = "wall_clock_seconds"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(
            modelCalls: try c.decodeIfPresent(Int.self, forKey: .modelCalls), tokens: try c.decodeIfPresent(Int.self, forKey: .tokens),
            cost: try c.decodeIfPresent(Double.self, forKey: .cost),
            evaluatorSeconds: try c.decodeIfPresent(Double.self, forKey: .evaluatorSeconds),
            wallClockSeconds: try c.decodeIfPresent(Double.self, forKey: .wallClockSeconds))
        try c.require((modelCalls ?? 1) >= 1, .modelCalls, "model_calls must be at least 1")
        try c.require((tokens ?? 1) >= 1, .tokens, "tokens must be at least 1")
        try c.require((cost ?? 1) > 0, .cost, "cost must be more than 0")
        try c.require((evaluatorSeconds ?? 1) > 0, .evaluatorSeconds, "evaluator_seconds must be more than 0")
        try c.require((wallClockSeconds ?? 1) > 0, .wallClockSeconds, "wall_clock_seconds must be more than 0")
    }
}

/// What a run has used of its budget so far.
public struct BudgetUsage: Sendable, Hashable {
    public var modelCalls: Int
    public var tokens: Int
    public var evaluatorSeconds: Double

    public init(modelCalls: Int = 0, tokens: Int = 0, evaluatorSeconds: Double = 0) {
        self.modelCalls = modelCalls
        self.tokens = tokens
        self.evaluatorSeconds = evaluatorSeconds
    }
}
