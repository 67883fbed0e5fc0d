import EvolveCore
import EvolveLLM
import Foundation
import Logging

/// The novelty check before evaluation (`search.novelty`): a child at least `threshold` similar
/// to a program on its island is not evaluated. A similarity that cannot be computed (an
/// embedding server down) lets the child through, with a warning; a judge that fails keeps the
/// similarity's verdict.
struct NoveltyFilter: Sendable {
    var similarity: any ProgramSimilarity
    var threshold: Double
    var judge: NoveltyJudge?
    var logger: Logger

    /// Why a child is not novel.
    struct TooSimilar: Sendable, Hashable {
        var programID: ProgramID
        var similarity: Double
        var method: String

        /// The text stored with the attempt and sent back to the model.
        var message: String {
            "your change is too close to program \(programID) (similarity \(String(format: "%.3f", similarity)) by \(method)); "
                + "try something different"
        }
    }

    /// The filter evolve.yaml asks for, or nil when `novelty` is off.
    init?(_ configuration: NoveltyConfiguration, llm: any LLMClient, options: GenerationOptions, language: String, logger: Logger) {
        guard configuration.enabled else { return nil }
        switch configuration.method {
        case .ngram:
            similarity = NgramSimilarity(n: configuration.ngram)
        case .embedding:
            guard let embedding = configuration.embedding else { return nil }
            let client = makeEmbeddingClient(embedding, environment: ProcessInfo.processInfo.environment, logger: logger)
            similarity = EmbeddingSimilarity(client: client)
        }
        threshold = configuration.threshold
        judge = configuration.judge ? NoveltyJudge(llm: llm, options: options, language: language) : nil
        self.logger = logger
    }

    init(similarity: any ProgramSimilarity, threshold: Double, judge: NoveltyJudge? = nil, logger: Logger) {
        self.similarity = similarity
        self.threshold = threshold
        self.judge = judge
        self.logger = logger
    }

    /// Why `code` must not be evaluated, or nil; `judged` receives the judge's answer, if one was asked.
    func verdict(for code: String, against programs: [Program], judged: (ChatResponse) -> Void = { _ in }) async -> TooSimilar? {
        let closest: SimilarProgram?
        do {
            closest = try await similarity.mostSimilar(to: code, among: programs)
        } catch {
            if Task.isCancelled { return nil }
            logger.warning("the novelty check failed; the child is evaluated", metadata: ["novelty.method": "\(similarity.name)", "error": "\(error)"])
            return nil
        }
        guard let closest, closest.similarity >= threshold else { return nil }
        let verdict = TooSimilar(programID: closest.program.id, similarity: closest.similarity, method: similarity.name)
        guard let judge else { return verdict }
        do {
            let (different, response) = try await judge.isDifferent(child: code, from: closest.program)
            judged(response)
            return different ? nil : verdict
        } catch {
            if Task.isCancelled { return verdict }
            logger.warning("the novelty judge failed; the similarity decides", metadata: ["program.id": "\(closest.program.id)", "error": "\(error)"])
            return verdict
        }
    }
}
