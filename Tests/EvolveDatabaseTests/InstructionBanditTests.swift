import EvolveCore
import EvolveDatabase
import Foundation
import Testing

@Suite("Instruction variants: the UCB1 bandit and the bounded archive")
struct InstructionBanditTests {
    func arm(_ id: Int, pulls: Int = 0, wins: Int = 0) -> InstructionVariant {
        InstructionVariant(id: id, text: "text \(id)", pulls: pulls, wins: wins)
    }

    @Test("arms never tried are chosen first, lowest id first, in-flight iterations counting as tries")
    func untriedFirst() {
        #expect(InstructionBandit.choose([arm(1, pulls: 9, wins: 9), arm(2), arm(3)]) == 2)
        #expect(InstructionBandit.choose([arm(1, pulls: 9, wins: 9), arm(2), arm(3)], pending: [2: 1]) == 3)
        #expect(InstructionBandit.choose([]) == nil)
    }

    @Test("UCB1 value: mean plus sqrt(2 ln N / n)")
    func formula() {
        // Arm 1: 0.5 + sqrt(2 ln 12 / 10) = 1.205; arm 2: 0 + sqrt(2 ln 12 / 2) = 1.576: the rarely tried arm wins.
        #expect(InstructionBandit.choose([arm(1, pulls: 10, wins: 5), arm(2, pulls: 2)]) == 2)
        // Arm 2 after 8 tries without a win: 0 + sqrt(2 ln 18 / 8) = 0.850 < 0.5 + sqrt(2 ln 18 / 10) = 1.260.
        #expect(InstructionBandit.choose([arm(1, pulls: 10, wins: 5), arm(2, pulls: 8)]) == 1)
    }

    @Test("a variant whose children beat their parents more often is chosen more often", arguments: [UInt64(1), 2, 3])
    func creditedMoreChosenMore(seed: UInt64) {
        var archive = InstructionArchive(limit: 4, stored: [arm(1), arm(2), arm(3)], defaultText: "")
        var generator = SplitMix64(seed: seed)
        let winRate = [1: 0.2, 2: 0.7, 3: 0.3]
        var chosen: [Int: Int] = [:]
        for _ in 0..<400 {
            let id = archive.choose()!.id
            chosen[id, default: 0] += 1
            archive.credit(id, won: Double.random(in: 0..<1, using: &generator) < winRate[id]!)
        }
        #expect(chosen[2]! > 250, "\(chosen)")
        #expect(chosen[1]! >= 5 && chosen[3]! >= 5, "UCB1 keeps exploring the others: \(chosen)")
        #expect(archive.variants.map(\.pulls).reduce(0, +) == 400)
    }

    @Test("the archive holds at most `limit` active variants: the weakest is retired, never the default or the newcomer")
    func bounded() {
        var archive = InstructionArchive(limit: 2, stored: [], defaultText: "default")
        #expect(archive.variants.map(\.text) == ["default"])
        #expect(archive.add("second", proposedAfter: 5, answer: "a").map(\.id) == [2])
        archive.credit(1, won: false)
        let saved = archive.add("third", proposedAfter: 10, answer: "b")
        #expect(saved.map(\.id) == [3, 2])
        #expect(saved[1].status == .retired)
        #expect(archive.active.map(\.id) == [1, 3])
    }

    @Test("an unusable proposal is refused with a reason")
    func refusals() {
        var archive = InstructionArchive(limit: 3, stored: [], defaultText: "default")
        #expect(archive.refusal(of: "") != nil)
        #expect(archive.refusal(of: "default")?.contains("repeats instruction variant 1") == true)
        #expect(archive.refusal(of: String(repeating: "x", count: 2001))?.contains("2000") == true)
        #expect(archive.refusal(of: "new idea") == nil)
        let refused = archive.reject(answer: "garbage", message: "no tags", proposedAfter: 3)
        #expect(refused.status == .malformed && refused.id == 2)
        #expect(archive.choose()?.id == 1, "a malformed proposal is never chosen")
    }

    @Test("the SQLite store keeps variants and their counts across opens; an old file without the table reads as none")
    func stored() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("instructions-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteProgramStore(path: path)
        try await store.saveInstruction(InstructionVariant(id: 1, text: "default"))
        try await store.saveInstruction(InstructionVariant(id: 2, text: "idea", proposedAfter: 4, answer: "<instructions>idea</instructions>"))
        try await store.creditInstruction(id: 2, won: true)
        try await store.creditInstruction(id: 2, won: false)
        let reopened = try SQLiteProgramStore(path: path, readOnly: true)
        let variants = try await reopened.instructions()
        #expect(variants.map(\.id) == [1, 2])
        #expect(variants[1].pulls == 2 && variants[1].wins == 1 && variants[1].proposedAfter == 4)

        let (old, _) = try RunDatabaseFixtureTests.fixture()
        defer { try? FileManager.default.removeItem(at: old.deletingLastPathComponent()) }
        let v1 = try SQLiteProgramStore(path: old.path, readOnly: true)
        #expect(try await v1.instructions().isEmpty)
        #expect(try await v1.allPrograms().allSatisfy { $0.generationRecord?.mutationKind == nil && $0.generationRecord?.instructionID == nil })
    }
}
