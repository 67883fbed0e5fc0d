import EvolveCore
import EvolveDatabase
import EvolveWeb

extension BestCommand {
    /// " · crossover · instructions #2" for a child of a run with `search.mutations` or `search.meta_prompt`.
    func planLabel(_ program: Program) -> String {
        guard let record = program.generationRecord else { return "" }
        let kind = record.mutationKind.map { " · \($0.rawValue)" } ?? ""
        let instruction = record.instructionID.map { " · instructions #\($0)" } ?? ""
        return kind + instruction
    }

    /// The instruction variants of the best program's lineage, with how their children fared:
    /// which instructions led to the best program.
    func printInstructions(_ store: SQLiteProgramStore, lineage: [Program]) async {
        let used = lineage.compactMap { $0.generationRecord?.instructionID }
        guard !used.isEmpty, let variants = try? await store.instructions() else { return }
        var seen: Set<Int> = []
        print("\ninstructions that led to it (newest first):")
        for id in used where seen.insert(id).inserted {
            guard let variant = variants.first(where: { $0.id == id }) else { continue }
            let origin = variant.proposedAfter.map { "proposed after \($0) iterations" } ?? "the default"
            print("  #\(id) (\(origin); \(variant.wins) of \(variant.pulls) children beat their parent): \(variant.text)")
        }
    }
}

extension RunReport.ProgramSummary {
    /// " (crossover, instructions #2)" for a child of a run with `search.mutations` or `search.meta_prompt`.
    var planText: String {
        let parts = [mutationKind, instructionID.map { "instructions #\($0)" }].compactMap { $0 }
        return parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")"
    }
}
