extension GenerationOptions {
    /// The options of one request: with `llm.seed` set, its sampling seed is mixed from the run's
    /// seed, the iteration and the attempt, so that a run is reproducible while no two requests
    /// share a seed (the same prompt with the same seed returns the same answer, a wasted call).
    /// Without `llm.seed` the server chooses, as before.
    public func forRequest(iteration: Int, attempt: Int) -> GenerationOptions {
        guard let seed else { return self }
        var copy = self
        copy.seed = Self.requestSeed(run: seed, iteration: iteration, attempt: attempt)
        return copy
    }

    /// A non-negative 31-bit seed (llama.cpp and Ollama read it as a 32-bit integer; -1 means random there).
    static func requestSeed(run: Int, iteration: Int, attempt: Int) -> Int {
        var state = UInt64(bitPattern: Int64(run))
        for part in [iteration, attempt] {
            state = mix(state ^ mix(UInt64(bitPattern: Int64(part)) &+ 0x9E37_79B9_7F4A_7C15))
        }
        return Int(state & 0x7FFF_FFFF)
    }

    /// SplitMix64's finalizer: every input bit moves about half the output bits.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
