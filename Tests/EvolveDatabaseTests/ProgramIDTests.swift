import EvolveCore
import EvolveDatabase
import Foundation
import Testing

@Suite struct ProgramIDTests {
    @Test("unique ids are 16 hex digits, all different, and not tied to any seed")
    func uniqueIDs() {
        let ids = (0..<100_000).map { _ in ProgramID.unique().rawValue }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.count == 16 && $0.allSatisfy(\.isHexDigit) })
        // The seeded ids of two processes with the same seed are the same; unique ones are not.
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42)
        #expect(ProgramID.random(using: &a) == ProgramID.random(using: &b))
        #expect(ProgramID.unique() != ProgramID.unique())
    }
}
