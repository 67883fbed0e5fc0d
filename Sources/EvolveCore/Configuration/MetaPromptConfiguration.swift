/// `search.meta_prompt`: evolving the instructions of the prompt's task part (off unless given).
///
/// Every `every` finished iterations the model reads what recent children did and proposes a new
/// instruction text; at most `variants` texts are in use at once (the weakest is retired, never
/// the default). A UCB1 bandit chooses the text for each iteration.
public struct MetaPromptConfiguration: Sendable, Hashable, Codable {
    /// Finished iterations between two proposals.
    public var every: Int
    /// Instruction texts in use at once, the default one included.
    public var variants: Int

    public init(every: Int = 10, variants: Int = 4) {
        self.every = every
        self.variants = variants
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case every, variants }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        let d = Self()
        self.init(every: try c.value(.every, default: d.every), variants: try c.value(.variants, default: d.variants))
        try c.require(every >= 1, .every, "every must be at least 1 (finished iterations between two proposals)")
        try c.require(variants >= 2, .variants, "variants must be at least 2 (the default instructions and one proposal)")
    }
}
