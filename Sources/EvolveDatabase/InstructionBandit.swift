import Foundation

/// UCB1 over instruction variants: an arm never tried is chosen first (the lowest id first); then
/// the arm with the highest `wins/n + sqrt(2 ln N / n)`, where `n` is the arm's finished plus
/// in-flight iterations and `N` the sum of `n` over the arms. Ties go to the lowest id. UCB1 is
/// deterministic, so a run with the same outcomes makes the same choices (no random draw).
public enum InstructionBandit {
    /// The id of the arm to use next, or nil when there is none. `pending` counts iterations
    /// that use an arm and have not finished, so that concurrent iterations spread over the arms.
    public static func choose(_ arms: [InstructionVariant], pending: [Int: Int] = [:]) -> Int? {
        let tries = arms.map { ($0, $0.pulls + pending[$0.id, default: 0]) }
        if let untried = tries.filter({ $0.1 == 0 }).map(\.0.id).min() { return untried }
        let total = Double(tries.map(\.1).reduce(0, +))
        let scored = tries.map { arm, n in (arm.id, Double(arm.wins) / Double(n) + (2 * log(total) / Double(n)).squareRoot()) }
        return scored.max { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 > $1.0) }?.0
    }
}
