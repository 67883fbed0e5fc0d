/// Identifiers that separate processes sharing one run cannot both mint.
extension ProgramID {
    /// A new identifier from the system's random generator: 64 bits as 16 hex digits. Unlike
    /// `random(using:)` with a seeded generator, two processes started with the same seed draw
    /// different ids; the chance that any two of a million ids collide is below 1 in 30 million,
    /// and the store refuses a duplicate loudly if it ever happens.
    public static func unique() -> ProgramID {
        var generator = SystemRandomNumberGenerator()
        let hex = String(generator.next(), radix: 16)
        return ProgramID(String(repeating: "0", count: 16 - hex.count) + hex)
    }
}
