import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveLLM
import EvolveSandbox
import EvolveTesting
import Foundation
import Synchronization
import Testing

/// A knapsack run whose evaluator scores a program by its `# variant` lines (so every child of
/// the best program beats it), on a loopback model that answers proposals from `proposal`.
struct ScriptedRun {
    let directory: TemporaryDirectory
    var problem: Problem
    var storePath: String { directory.url.appendingPathComponent("run.sqlite").path }

    init(_ configure: (inout SearchConfiguration) -> Void) throws {
        directory = try TemporaryDirectory(prefix: "evolve-metaprompt")
        try directory.copyContents(of: PackagePaths.knapsackExample)
        try directory.write(["count.py": "import json, sys\nprint(json.dumps({'score': open(sys.argv[1]).read().count('# variant')}))\n"])
        problem = try Problem.load(from: directory.url)
        problem.configuration.evaluator.command = .shell("python3 count.py {program}")
        problem.configuration.goal.target = nil
        problem.configuration.search.strategy = .greedy
        problem.configuration.llm.concurrency = 1
        problem.configuration.sandbox.concurrency = 1
        configure(&problem.configuration.search)
    }

    /// Runs `iterations` iterations in all (one at a time), returning the server's requests.
    func run(
        iterations: Int, lockstep: Bool = true,
        proposal: @escaping @Sendable (Int) -> LoopbackLLMServer.Reply = { .answer("<instructions>Idea \($0).</instructions>") },
        answer: @escaping @Sendable (Int) -> String = { KnapsackAnswers.variant($0) }
    ) async throws -> [LoopbackLLMServer.Request] {
        let proposals = Mutex(0)
        let script: @Sendable (LoopbackLLMServer.Request) -> LoopbackLLMServer.Reply = { request in
            guard isProposal(request) else { return .answer(answer(request.index + 1000 * iterations)) }
            return proposal(proposals.withLock { $0 += 1; return $0 })
        }
        var problem = problem
        problem.configuration.search.iterations = iterations
        var settings = RunSettings(problem.configuration)
        settings.lockstep = lockstep
        let (summary, requests) = try await LoopbackLLMServer.with(script: script) { server in
            let controller = Controller(
                problem: problem, llm: OllamaClient(configuration: .init(endpoint: server.url, model: LLMConfiguration.defaultModel), logger: testLogger),
                sandbox: ProcessSandbox(configuration: .init(), logger: testLogger), store: try SQLiteProgramStore(path: storePath),
                settings: settings, logger: testLogger)
            return (try await controller.run(runDirectory: directory.url.path), server.requests)
        }
        #expect(summary.reason == .budgetSpent)
        return requests
    }
}

func isProposal(_ request: LoopbackLLMServer.Request) -> Bool {
    request.messages.last?.content.contains("between <instructions> and </instructions>") == true
}

@Suite("Meta-prompt evolution and the mutation mix in a run", .serialized)
struct MetaPromptRunTests {
    @Test("every K finished iterations the model proposes instructions; the variant enters the archive and later children use it")
    func proposalsEnterTheArchive() async throws {
        let run = try ScriptedRun { $0.metaPrompt = MetaPromptConfiguration(every: 2, variants: 4) }
        defer { run.directory.remove() }
        // The second proposal has no tags: recorded as malformed, and the run goes on.
        let requests = try await run.run(iterations: 6, proposal: {
            .answer($0 == 2 ? "I would tell it to be bolder." : "<instructions>Idea \($0): add one variant line.</instructions>")
        })
        let proposals = requests.filter(isProposal)
        #expect(proposals.count == 2, "after iterations 2 and 4, none after the last (6)")
        #expect(proposals[0].messages.last?.content.contains("#1 (") == true, "the diagnosis lists the default instructions with its counts")
        #expect(proposals[0].messages.last?.content.contains("beat its parent") == true, "and the recent children's fate")

        let store = try SQLiteProgramStore(path: run.storePath)
        let variants = try await store.instructions()
        #expect(variants.map(\.id) == [1, 2, 3])
        #expect(variants.map(\.status) == [.active, .active, .malformed])
        #expect(variants[1].text == "Idea 1: add one variant line.")
        #expect(variants[2].message?.contains("<instructions>") == true)
        #expect(variants.map(\.pulls).reduce(0, +) == 6, "every finished iteration credits its variant")
        #expect(variants.map(\.wins).reduce(0, +) == 6, "each child beat its parent (greedy, one more variant line each)")

        let children = try await store.allPrograms().filter { $0.origin == .mutation }
        let withTwo = children.filter { $0.generationRecord?.instructionID == 2 }
        #expect(!withTwo.isEmpty, "a later child used the proposed variant: \(children.map { $0.generationRecord?.instructionID ?? 0 })")
        #expect(withTwo.allSatisfy { $0.iteration > 2 && $0.generationRecord?.prompt.contains("Idea 1: add one variant line.") == true })
        #expect(children.filter { $0.iteration <= 2 }.allSatisfy { $0.generationRecord?.instructionID == 1 })
    }

    @Test("an instruction proposal is work of its own: generations go on and finish while a slow proposal is pending")
    func proposalDoesNotBlock() async throws {
        var run = try ScriptedRun { $0.metaPrompt = MetaPromptConfiguration(every: 2, variants: 4) }
        defer { run.directory.remove() }
        run.problem.configuration.llm.concurrency = 2
        let arrivals = Mutex<(proposal: ContinuousClock.Instant?, during: Int)>((nil, 0))
        let requests = try await run.run(
            iterations: 8, lockstep: false,
            proposal: { number in
                arrivals.withLock { $0.proposal = $0.proposal ?? .now }
                // The first proposal takes 3 s to write; the generations meanwhile answer at once.
                return number == 1 ? .delayed(seconds: 3, .answer("<instructions>Slow idea.</instructions>")) : .answer("<instructions>Idea.</instructions>")
            },
            answer: { index in
                arrivals.withLock { state in
                    if let started = state.proposal, started.duration(to: .now) < .milliseconds(2500) { state.during += 1 }
                }
                return KnapsackAnswers.variant(index)
            })
        #expect(requests.filter(isProposal).count >= 1)
        let during = arrivals.withLock { $0.during }
        // With two model slots, one held by the proposal, the other kept generating: the four
        // iterations after it (evaluated in well under 2.5 s each here) asked while it was pending.
        // (The run may end before the slow answer comes: then the proposal is abandoned, as any work.)
        #expect(during >= 2, "only \(during) generation requests arrived while the proposal was pending")
    }

    @Test(
        "generations complete while a slow proposal is pending: the run reaches its last iteration without waiting for the answer",
        .timeLimit(.minutes(1)))
    func generationsCompleteWhileProposalIsPending() async throws {
        var run = try ScriptedRun { $0.metaPrompt = MetaPromptConfiguration(every: 2, variants: 4) }
        defer { run.directory.remove() }
        run.problem.configuration.llm.concurrency = 2
        let started = ContinuousClock.now
        // The proposal's answer would take ten minutes; the generations are answered at once.
        let requests = try await run.run(
            iterations: 6, lockstep: false, proposal: { _ in .delayed(seconds: 600, .answer("<instructions>Too late.</instructions>")) })
        let elapsed = started.duration(to: .now)

        let proposal = try #require(requests.first(where: isProposal), "a proposal was asked after iteration 2")
        #expect(requests.filter(isProposal).count == 1, "one proposal pending at a time: the one due after iteration 4 waits for it")
        // The diagnosis lists the iterations finished when it was asked; the run ended as
        // budgetSpent (checked by `run`) with all six children committed, so the others were
        // generated, evaluated and stored while the proposal was pending.
        let finishedWhenAsked = (proposal.messages.last?.content.components(separatedBy: "\n- iteration ").count ?? 1) - 1
        let store = try SQLiteProgramStore(path: run.storePath)
        let children = try await store.allPrograms().filter { $0.origin == .mutation }
        #expect(Set(children.map(\.iteration)) == Set(1...6))
        #expect((2...4).contains(finishedWhenAsked), "\(finishedWhenAsked) iterations had finished when it was asked; the rest finished while it was pending")
        let variants = try await store.instructions()
        #expect(variants.map(\.id) == [1], "the proposal never answered: abandoned when the run ended, nothing filed")
        #expect(elapsed < .seconds(30), "the run did not wait for the proposal: \(elapsed)")
    }

    @Test("a resumed run keeps the instruction archive and its counts")
    func resumeKeepsTheArchive() async throws {
        let run = try ScriptedRun { $0.metaPrompt = MetaPromptConfiguration(every: 3, variants: 4) }
        defer { run.directory.remove() }
        _ = try await run.run(iterations: 4)
        let store = try SQLiteProgramStore(path: run.storePath)
        let before = try await store.instructions()
        #expect(before.count == 2)
        let requests = try await run.run(iterations: 7)
        #expect(requests.filter(isProposal).count == 1, "the next proposal comes after iteration 6")
        let after = try await store.instructions()
        #expect(after.count == 3)
        #expect(after[0].text == before[0].text && after[1].text == before[1].text, "the first session's variants are kept, not made again")
        #expect(after.map(\.pulls).reduce(0, +) == 7, "counts continue from the first session's 4")
    }

    @Test("crossover puts a second parent from another island in the prompt, and the kind is stored with each child")
    func crossoverRun() async throws {
        let run = try ScriptedRun {
            $0.strategy = .mapElites
            $0.islands = 2
            $0.mutations = try! MutationMix([.crossover: 1])
        }
        defer { run.directory.remove() }
        let requests = try await run.run(iterations: 6)
        let store = try SQLiteProgramStore(path: run.storePath)
        let children = try await store.allPrograms().filter { $0.origin == .mutation }
        let kinds = children.map { $0.generationRecord?.mutationKind }
        // Until the islands differ there is no second parent: those iterations ask for a diff.
        #expect(kinds.contains(.crossover), "\(kinds)")
        #expect(kinds.allSatisfy { $0 == .crossover || $0 == .diff }, "\(kinds)")
        let crossoverPrompts = requests.filter { $0.messages.last?.content.contains("## Second program") == true }
        #expect(crossoverPrompts.count == kinds.filter { $0 == .crossover }.count)
        for request in crossoverPrompts {
            let user = request.messages.last?.content ?? ""
            #expect(user.contains("## Current program") && user.contains("combines the strengths of both"))
        }
    }

    @Test("a failed proposal request is recorded as malformed and the run goes on; the diagnosis names why children failed")
    func failedProposal() async throws {
        var run = try ScriptedRun { $0.metaPrompt = MetaPromptConfiguration(every: 2, variants: 3) }
        defer { run.directory.remove() }
        run.problem.configuration.llm.retries = 0
        // Odd requests are SEARCH blocks that match nothing (every attempt rejected: no child).
        let requests = try await run.run(
            iterations: 4, proposal: { _ in .status(400, "the model refuses") },
            answer: { $0 % 2 == 1 ? "<<<<<<< SEARCH\nnot in the program\n=======\nx\n>>>>>>> REPLACE" : KnapsackAnswers.variant($0) })
        let proposals = requests.filter(isProposal)
        #expect(proposals.count == 1)
        let diagnosis = proposals.first?.messages.last?.content ?? ""
        #expect(diagnosis.contains("no child: no_match"), "\(diagnosis)")
        let variants = try await SQLiteProgramStore(path: run.storePath).instructions()
        #expect(variants.map(\.status) == [.active, .malformed])
        #expect(variants[1].message?.contains("the proposal request failed") == true, "\(variants[1].message ?? "")")
        #expect(variants[0].pulls == 4, "every iteration, failed ones included, is credited to the default")
    }
}
