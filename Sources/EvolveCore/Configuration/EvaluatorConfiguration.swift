/// How candidates are scored: one command, or a cascade of stages; and how a new best is verified.
public struct EvaluatorConfiguration: Sendable, Hashable, Codable {
    /// The evaluator command. `{program}` becomes the candidate's path inside the sandbox.
    public var command: CommandLineSpec
    /// Optional cheaper stages run first; each must reach its threshold before the next runs.
    /// When stages are given, the last stage's score is the program's score and `command` runs
    /// as the final stage.
    public var stages: [EvaluationStage]
    /// An OpenEvolve evaluator run through Evolve's bridge instead of `command` and `stages`.
    public var openEvolve: OpenEvolveEvaluatorConfiguration?
    /// How many more times each new best is evaluated to check that its score reproduces (0: never).
    public var recheck: Int
    /// How far (absolute) a recheck's score may lie from the search score before the program is unstable.
    public var recheckTolerance: Double
    /// An unstable new best is refused (stored with status `unstable`, never the best) instead of flagged.
    public var refuseUnstable: Bool
    /// A held-out evaluation run only on new bests: its score is stored and shown beside the
    /// search score, and never steers the search.
    public var heldOut: EvaluationStage?
    /// Python modules a warm evaluator (`sandbox.warm`) imports once, before the first candidate,
    /// so that each candidate's process starts with them loaded; modules of the problem directory
    /// included. Nothing changes for a cold evaluator.
    public var preload: [String]
    /// The model gateway and its budget per evaluation (`evaluator.model`); nil: the evaluator
    /// cannot call a model.
    public var model: EvaluatorModelConfiguration?

    public init(
        command: CommandLineSpec = .shell("python3 evaluate.py {program}"), stages: [EvaluationStage] = [],
        openEvolve: OpenEvolveEvaluatorConfiguration? = nil, recheck: Int = 0, recheckTolerance: Double = 1e-9,
        refuseUnstable: Bool = false, heldOut: EvaluationStage? = nil, preload: [String] = [],
        model: EvaluatorModelConfiguration? = nil
    ) {
        self.model = model
        self.preload = preload
        self.command = command
        self.stages = stages
        self.openEvolve = openEvolve
        self.recheck = recheck
        self.recheckTolerance = recheckTolerance
        self.refuseUnstable = refuseUnstable
        self.heldOut = heldOut
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case command, stages, recheck, preload, model
        case openEvolve = "openevolve"
        case recheckTolerance = "recheck_tolerance"
        case refuseUnstable = "refuse_unstable"
        case heldOut = "final"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        let defaults = EvaluatorConfiguration()
        let recheck = try c.value(.recheck, default: defaults.recheck)
        try c.require((0...100).contains(recheck), .recheck, "recheck is how many more times a new best is evaluated: 0 to 100")
        let tolerance = try c.value(.recheckTolerance, default: defaults.recheckTolerance)
        try c.require(tolerance >= 0 && tolerance.isFinite, .recheckTolerance, "the tolerance must be a number of at least 0")
        let heldOut = try c.decodeIfPresent(EvaluationStage.self, forKey: .heldOut)
        try c.require(heldOut?.threshold == nil, .heldOut, "the final stage takes a command and a timeout, not a threshold")
        self.init(
            command: try c.value(.command, default: defaults.command), stages: try c.value(.stages, default: []),
            openEvolve: try c.decodeIfPresent(OpenEvolveEvaluatorConfiguration.self, forKey: .openEvolve),
            recheck: recheck, recheckTolerance: tolerance, refuseUnstable: try c.value(.refuseUnstable, default: defaults.refuseUnstable),
            heldOut: try heldOut.map { stage in
                var stage = stage
                let keys = try c.nestedContainer(keyedBy: EvaluationStage.CodingKeys.self, forKey: .heldOut)
                if !keys.contains(.name) { stage.name = "held-out" }
                return stage
            },
            preload: try c.value(.preload, default: defaults.preload),
            model: try c.decodeIfPresent(EvaluatorModelConfiguration.self, forKey: .model))
        try c.require(preload.allSatisfy(Self.isModuleName), .preload, "preload lists Python module names, such as numpy or scipy.signal")
    }

    /// A dotted Python module name (`scipy.signal`).
    static func isModuleName(_ text: String) -> Bool {
        !text.isEmpty && text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
            guard let first = part.first, first == "_" || first.isLetter else { return false }
            return part.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
        }
    }

    /// All stages in running order, the main command last.
    public var cascade: [EvaluationStage] {
        stages + [EvaluationStage(name: "final", command: command)]
    }

    /// Whether a new best is evaluated again at all (`recheck` or `final`).
    public var verifiesBests: Bool { recheck > 0 || heldOut != nil }
}

public struct EvaluationStage: Sendable, Hashable, Codable {
    public var name: String
    public var command: CommandLineSpec
    /// The score this stage must reach (in the goal's direction) for the next stage to run.
    public var threshold: Double?
    /// Wall-clock seconds for this stage; defaults to `sandbox.timeout`.
    public var timeout: Double?

    public init(name: String, command: CommandLineSpec, threshold: Double? = nil, timeout: Double? = nil) {
        self.name = name
        self.command = command
        self.threshold = threshold
        self.timeout = timeout
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case name, command, threshold, timeout }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        let timeout = try c.decodeIfPresent(Double.self, forKey: .timeout)
        try c.require((timeout ?? 1) > 0, .timeout, "the timeout must be a positive number of seconds")
        guard c.contains(.command) else {
            throw DecodingError.keyNotFound(CodingKeys.command, .init(codingPath: c.codingPath, debugDescription: "a stage needs a command"))
        }
        self.init(
            name: try c.value(.name, default: "stage \((c.codingPath.last?.intValue ?? 0) + 1)"),
            command: try c.decode(CommandLineSpec.self, forKey: .command),
            threshold: try c.decodeIfPresent(Double.self, forKey: .threshold),
            timeout: timeout
        )
    }
}
