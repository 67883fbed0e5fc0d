import EvolveCore
import Foundation

/// What `peer_arm.py run` leaves in `peer/result.json`: the calls the meter forwarded and the
/// programs the peer evaluated, each attributed to the calls that had ended before it.
struct PeerResult: Decodable, Sendable {
    struct Call: Decodable, Sendable {
        var status: Int?
        var prompt_tokens: Int?
        var completion_tokens: Int?
    }

    struct Program: Decodable, Sendable {
        var score: Double?
        var valid: Bool
        /// Model calls that had ended when the program was stored: the program is call `calls_before`'s.
        var calls_before: Int
    }

    var peer: String
    var version: String?
    var initial_score: Double?
    var calls: [Call]
    var programs: [Program]
    var proposals_without_program: Int?
    var error: String?
    var wall_seconds: Double?

    /// The run as the experiment report reads every run.
    func measurement(problem: String, variant: String, seed: UInt64, directory: String, goal: Goal) -> RunMeasurement {
        var best: [Double?] = [], tokens: [Int] = [], current = initial_score, total = 0
        let programs = self.programs.sorted { $0.calls_before < $1.calls_before }
        var next = programs.makeIterator(), pending = next.next()
        for (index, call) in calls.enumerated() {
            while let program = pending, program.calls_before <= index + 1 {
                if program.valid, let score = program.score, current.map({ goal.isBetter(score, than: $0) }) ?? true { current = score }
                pending = next.next()
            }
            total += (call.prompt_tokens ?? 0) + (call.completion_tokens ?? 0)
            best.append(current)
            tokens.append(total)
        }
        var rejections: [String: Int] = [:]
        if let lost = proposals_without_program, lost > 0 { rejections["no_program"] = lost }
        let failedCalls = calls.filter { $0.status != 200 }.count
        if failedCalls > 0 { rejections["model_error"] = failedCalls }
        return RunMeasurement(
            problem: problem, variant: variant, seed: seed, directory: directory, goal: goal, initialScore: initial_score, best: best,
            tokens: tokens, tokensUnknown: !calls.contains { $0.prompt_tokens != nil || $0.completion_tokens != nil },
            modelCalls: calls.count, answers: calls.count - failedCalls, children: self.programs.count, rejections: rejections,
            cells: 0, wallSeconds: wall_seconds ?? 0, evaluatorSeconds: 0, verifiers: nil,
            peer: version.map { "\(peer) \($0)" } ?? peer, peerError: error)
    }
}
