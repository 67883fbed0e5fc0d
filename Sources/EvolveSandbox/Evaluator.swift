import EvolveCore
import Foundation

/// Scores candidates by running the problem's evaluator cascade in a sandbox.
///
/// Every way a candidate can fail — a crash, a timeout, a report without a finite score, a stage
/// below its threshold — comes back as an `EvaluationResult` with a reason. Only cancellation
/// is thrown.
public struct Evaluator: Sendable {
    public var sandbox: any Sandbox
    public var stages: [EvaluationStage]
    public var goal: Goal
    public var limits: SandboxLimits
    public var problemDirectory: URL
    public var programFileName: String
    /// Per stage, the key that sets its wall clock, named when an evaluation times out.
    public var timeoutKeys: [String] = []
    /// The evaluator's Python environment (see `EvaluatorEnvironment.prepare`); nil for the sandbox's own.
    public var environment: EvaluatorEnvironment?
    /// What of the problem directory a candidate may read.
    public var visibility: ProblemVisibility
    /// `sandbox.toolchains`: bound read-only into the sandbox, their `bin/` on PATH.
    public var toolchains: [Toolchain]
    /// Takes every API key value out of each result before anyone sees it.
    public var scrubber: SecretScrubber
    /// How a new best is evaluated again (`evaluator.recheck`, `evaluator.final`): see Evaluator+Verification.swift.
    public var verifying: EvaluatorConfiguration
    /// The key that sets the held-out stage's wall clock, named when it times out.
    public var heldOutTimeoutKey: String
    /// `evaluator.preload`: modules a warm evaluator imports once.
    public var preload: [String]
    /// `evaluator.model`: the model gateway each evaluation may call, with its budget; nil: none.
    /// The controller sets it (it holds the run's model client).
    public var gateway: ModelGateway?

    /// `scrubber` defaults to the values of the API key variables the problem's `llm` names.
    public init(sandbox: any Sandbox, problem: Problem, environment: EvaluatorEnvironment? = nil, scrubber: SecretScrubber? = nil) {
        self.sandbox = sandbox
        self.stages = problem.configuration.evaluator.openEvolve.map { [OpenEvolveBridge.stage($0)] } ?? problem.configuration.evaluator.cascade
        self.timeoutKeys = problem.timeoutKeys
        self.verifying = problem.configuration.evaluator
        self.heldOutTimeoutKey = problem.heldOutTimeoutKey
        self.preload = problem.configuration.evaluator.preload
        self.environment = environment
        self.visibility = ProblemVisibility(hide: problem.configuration.sandbox.hide, expose: problem.configuration.sandbox.expose)
        self.toolchains = problem.configuration.sandbox.toolchains
        self.scrubber = scrubber ?? SecretScrubber(llm: problem.configuration.llm)
        self.goal = problem.configuration.goal
        self.limits = SandboxLimits(problem.configuration.sandbox)
        self.problemDirectory = problem.directory
        let ext = (problem.configuration.program as NSString).pathExtension
        self.programFileName = ext.isEmpty ? "program" : "program.\(ext)"
    }

    public func evaluate(_ program: String) async throws -> EvaluationResult {
        try await evaluate(program, stages: stages, timeoutKeys: timeoutKeys)
    }

    /// Runs `stages` in order on `program`, each until one fails or falls short of its threshold;
    /// the result has every API key value taken out.
    func evaluate(_ program: String, stages: [EvaluationStage], timeoutKeys: [String]) async throws -> EvaluationResult {
        scrubber.scrub(try await evaluateUnscrubbed(program, stages: stages, timeoutKeys: timeoutKeys))
    }

    /// One evaluation: its stages share one account with the model gateway, whose usage the
    /// result carries; a failed evaluation whose requests were refused says so in its reason.
    private func evaluateUnscrubbed(_ program: String, stages: [EvaluationStage], timeoutKeys: [String]) async throws -> EvaluationResult {
        guard var gateway else { return try await evaluateStages(program, stages: stages, timeoutKeys: timeoutKeys, session: nil) }
        // What the model says, and what the gateway says about it, goes back into the sandbox without the run's keys.
        gateway.scrubber = scrubber
        let session = gateway.session()
        var result = try await evaluateStages(program, stages: stages, timeoutKeys: timeoutKeys, session: session)
        let usage = session.usage
        result.modelGateway = usage
        if result.status != .success, usage.refused > 0, let first = usage.refusals.first {
            result.failureReason = (result.failureReason.map { $0 + "; " } ?? "")
                + "the model gateway refused \(usage.refused) request\(usage.refused == 1 ? "" : "s") (first: \(first.message))"
        }
        return result
    }

    private func evaluateStages(
        _ program: String, stages: [EvaluationStage], timeoutKeys: [String], session: GatewaySession?
    ) async throws -> EvaluationResult {
        var total = 0.0
        var last: EvaluationResult?
        for (index, stage) in stages.enumerated() {
            var stageLimits = limits
            if let timeout = stage.timeout { stageLimits.timeout = timeout }
            let job = SandboxJob(
                command: stage.command, program: program, programFileName: programFileName,
                problemDirectory: problemDirectory, limits: stageLimits, environment: environment, visibility: visibility,
                toolchains: toolchains, preload: preload, gateway: session)
            let outcome: SandboxOutcome
            do {
                outcome = try await sandbox.run(job)
            } catch let error as SandboxError {
                return EvaluationResult(status: .sandboxError, failureReason: error.message, duration: total, stage: stage.name)
            }
            total += outcome.duration
            var result = Self.interpret(
                outcome, timeout: stageLimits.timeout, shell: stage.command.isShell,
                timeoutKey: timeoutKeys.indices.contains(index) ? timeoutKeys[index] : nil)
            result.duration = total
            result.stage = stages.count > 1 ? stage.name : nil
            guard result.status == .success, let score = result.score else { return result }
            let isLast = index == stages.count - 1
            if !isLast, let threshold = stage.threshold, !(score == threshold || goal.isBetter(score, than: threshold)) {
                result.status = .belowThreshold
                result.failureReason = "stage `\(stage.name)` scored \(score), short of its threshold \(threshold); later stages did not run"
                return result
            }
            last = result
        }
        return last ?? .failure(.sandboxError, "the evaluator has no stages")
    }

    /// Turns how the command ended into a result.
    static func interpret(_ outcome: SandboxOutcome, timeout: Double, shell: Bool = false, timeoutKey: String? = nil) -> EvaluationResult {
        var result = EvaluationResult(status: .success, stdoutTail: outcome.stdout, stderrTail: outcome.stderr, duration: outcome.duration)
        var termination = outcome.termination
        if shell, case .exited(let code) = termination, code > 128, code < 128 + 65 {
            termination = .signaled(code - 128)  // a shell reports its child's death by signal n as 128 + n
        }
        switch termination {
        case .timedOut:
            result.status = .timeout
            result.failureReason = "the evaluation ran past the \(format(timeout)) s wall clock and was killed"
                + (timeoutKey.map { " (set by \($0))" } ?? "")
            return result
        case .signaled(let signal):
            result.status = .crashed
            result.failureReason = "killed by \(signalName(signal))" + lastLine(outcome.stderr).map { "; last error line: \($0)" }.orEmpty
            return result
        case .exited(let code) where code != 0:
            result.status = .crashed
            var reason = "the evaluator exited with status \(code)"
            if case .failure(let error) = EvaluatorReport.parse(stdout: outcome.stdout, resultFile: outcome.resultFile),
                error.reason.hasPrefix("the evaluator reported")
            {
                reason += "; \(error.reason)"
            } else if let line = lastLine(outcome.stderr) {
                reason += "; last error line: \(line)"
            }
            result.failureReason = reason
            return result
        case .exited:
            break
        }
        switch EvaluatorReport.parse(stdout: outcome.stdout, resultFile: outcome.resultFile) {
        case .success(let report):
            result.score = report.score
            result.metrics = report.metrics
            result.features = report.features
            result.artifacts = report.artifacts
        case .failure(let error):
            result.status = .invalidResult
            result.failureReason = error.reason
        }
        return result
    }

    static func lastLine(_ text: String) -> String? {
        text.split(whereSeparator: \.isNewline).last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty })
            .map { String($0.prefix(300)) }
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGKILL: return "SIGKILL (a limit was hit or the process was killed)"
        case SIGXCPU: return "SIGXCPU: the CPU-time limit was reached"
        case SIGXFSZ: return "SIGXFSZ: a file or the output grew past the file-size limit"
        case SIGSEGV: return "SIGSEGV (segmentation fault)"
        case SIGABRT: return "SIGABRT (aborted)"
        case SIGTERM: return "SIGTERM"
        default: return "signal \(signal)"
        }
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}

extension Optional where Wrapped == String {
    var orEmpty: String { self ?? "" }
}
