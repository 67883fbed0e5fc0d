import EvolveCore
import Foundation
import Synchronization

/// Several models behind one client: each request goes to a member chosen by weight, within that
/// member's own concurrency limit. A member whose request fails with an error that may pass
/// (unreachable, timeout, 5xx, 429) is rested for `restSeconds` and the request fails over to the
/// others. With `bandit`, weights move toward members whose children improve on their parents:
/// a member is chosen with probability proportional to weight · (1 + improvements) / (2 + children).
/// Prices turn each answer's tokens into a cost (`ChatResponse.cost`).
public final class EnsembleClient: LLMClient {
    public struct Member: Sendable {
        public var client: any LLMClient
        public var weight: Double
        /// Requests in flight at once to this member (nil: no limit of its own).
        public var concurrency: Int?
        /// Prices per million prompt and completion tokens.
        public var inputPrice: Double
        public var outputPrice: Double

        public init(client: any LLMClient, weight: Double = 1, concurrency: Int? = nil, inputPrice: Double = 0, outputPrice: Double = 0) {
            self.client = client
            self.weight = weight
            self.concurrency = concurrency
            self.inputPrice = inputPrice
            self.outputPrice = outputPrice
        }
    }

    struct MemberState {
        var inFlight = 0
        var restingUntil: ContinuousClock.Instant?
        var children = 0
        var improvements = 0
    }

    public let members: [Member]
    public let bandit: Bool
    public let restSeconds: Double
    private let states: Mutex<[MemberState]>
    private let faultHandler = Mutex<(@Sendable (LLMFault) async -> Void)?>(nil)

    /// Receives each member failure that made a request fail over to another member.
    public func observeFaults(_ handler: @escaping @Sendable (LLMFault) async -> Void) {
        faultHandler.withLock { $0 = handler }
    }

    public init(members: [Member], bandit: Bool = false, restSeconds: Double = 30) {
        precondition(!members.isEmpty, "an ensemble needs at least one member")
        self.members = members
        self.bandit = bandit
        self.restSeconds = restSeconds
        states = Mutex(Array(repeating: MemberState(), count: members.count))
    }

    public var model: String { members.map(\.client.model).joined(separator: "+") }
    public var endpoint: String { members.map(\.client.endpoint).joined(separator: ", ") }

    /// Every member must be reachable and serve its model.
    public func checkAvailability() async throws {
        for member in members { try await member.client.checkAvailability() }
    }

    public func chat(_ messages: [ChatMessage], options: GenerationOptions) async throws -> ChatResponse {
        var tried: Set<Int> = []
        var lastError: (any Error)?
        while tried.count < members.count {
            let index = try await acquire(excluding: tried)
            tried.insert(index)
            do {
                defer { release(index) }
                var response = try await members[index].client.chat(messages, options: options)
                let member = members[index]
                let cost = (Double(response.promptTokens ?? 0) * member.inputPrice + Double(response.completionTokens ?? 0) * member.outputPrice) / 1_000_000
                response.cost = (response.cost ?? 0) + cost
                return response
            } catch let error as LLMError where error.isTransient || error.code == .modelNotFound {
                states.withLock { $0[index].restingUntil = .now + .milliseconds(Int64(restSeconds * 1000)) }
                lastError = error
                if tried.count < members.count {
                    let fault = LLMFault(model: members[index].client.model, kind: error.faultKind, message: error.message, willRetry: true)
                    let handler = faultHandler.withLock { $0 }
                    await handler?(fault)
                }
            }
        }
        throw lastError ?? LLMError(.unreachable, "no member of the ensemble could answer")
    }

    /// Tells the ensemble whether a child written by `model` scored better than its parent.
    public func report(model: String, improved: Bool) {
        guard let index = members.firstIndex(where: { $0.client.model == model }) else { return }
        states.withLock { states in
            states[index].children += 1
            if improved { states[index].improvements += 1 }
        }
    }

    /// The current choice weights (for progress and tests).
    public var effectiveWeights: [Double] {
        states.withLock { states in members.indices.map { weight(of: $0, states[$0]) } }
    }

    private func weight(of index: Int, _ state: MemberState) -> Double {
        let base = members[index].weight
        guard bandit else { return base }
        return base * Double(1 + state.improvements) / Double(2 + state.children)
    }

    /// Picks a member by weight among those not tried, not resting (unless all are) and below their
    /// concurrency limit; waits while every candidate is at its limit.
    private func acquire(excluding tried: Set<Int>) async throws -> Int {
        while true {
            let chosen: Int? = states.withLock { states in
                let now = ContinuousClock.now
                var candidates = members.indices.filter { !tried.contains($0) }
                let awake = candidates.filter { states[$0].restingUntil.map { $0 <= now } ?? true }
                if !awake.isEmpty { candidates = awake }
                candidates = candidates.filter { index in members[index].concurrency.map { states[index].inFlight < $0 } ?? true }
                guard !candidates.isEmpty else { return nil }
                let weights = candidates.map { weight(of: $0, states[$0]) }
                let total = weights.reduce(0, +)
                var target = total > 0 ? Double.random(in: 0..<total) : 0
                var pick = candidates[0]
                for (candidate, weight) in zip(candidates, weights) {
                    target -= weight
                    if target < 0 { pick = candidate; break }
                }
                states[pick].inFlight += 1
                return pick
            }
            if let chosen { return chosen }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private func release(_ index: Int) {
        states.withLock { $0[index].inFlight -= 1 }
    }
}
