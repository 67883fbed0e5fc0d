import EvolveLLM
import Testing

/// `llm.seed`: each request's seed is mixed from the run's seed, the iteration and the attempt.
@Suite struct RequestSeedTests {
    @Test("different iterations and attempts get different seeds; the same run seed gives the same seeds")
    func derivation() {
        let options = GenerationOptions(seed: 42)
        let seeds = (1...200).flatMap { iteration in (1...3).map { options.forRequest(iteration: iteration, attempt: $0).seed } }
        #expect(Set(seeds).count == seeds.count, "600 requests, 600 seeds")
        #expect(seeds.allSatisfy { ($0 ?? -1) >= 0 && ($0 ?? 0) <= Int(Int32.max) })
        let again = (1...200).flatMap { iteration in (1...3).map { GenerationOptions(seed: 42).forRequest(iteration: iteration, attempt: $0).seed } }
        #expect(again == seeds)
        let other = GenerationOptions(seed: 43).forRequest(iteration: 1, attempt: 1).seed
        #expect(other != seeds[0], "another run seed, other seeds")
    }

    @Test("without llm.seed the server chooses, as before")
    func unseeded() {
        #expect(GenerationOptions().forRequest(iteration: 5, attempt: 2).seed == nil)
    }
}
