import ArgumentParser
import EvolveController
import EvolveCore
import EvolveDatabase
import Foundation

struct BestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "best",
        abstract: "Print the best program of a run, its score and its lineage.",
        discussion: "RUN_OR_DIR is a run folder (holding evolve.sqlite) or a problem directory, whose latest run is used."
    )

    @Argument(help: "A run folder or a problem directory.", completion: .directory)
    var runOrDirectory: String

    @Flag(name: .customLong("code-only"), help: "Print only the program's code, for piping into a file.")
    var codeOnly = false

    @Option(
        name: .customLong("write"),
        help: "Write the best program into this new (or empty) folder: a multi-file program's files, or the one program file.",
        completion: .directory)
    var writeDirectory: String?

    func run() async throws {
        guard let run = RunDirectory.locate(runOrDirectory) else {
            printError("error: no run found at \(runOrDirectory) (expected a run folder with \(RunDirectory.databaseName), or a problem directory with runs/)")
            throw ExitStatus.nothingFound
        }
        let store: SQLiteProgramStore
        let programs: [Program]
        let info: RunInfo
        do {
            store = try run.openStore(readOnly: true)
            programs = try await store.allPrograms()
            info = try await store.runInfo()
        } catch {
            printError("error: \(error)")
            throw ExitStatus.harnessFailure
        }
        let goal = info.goal
        let scored = programs.filter { $0.score != nil }
        guard let best = scored.reduce(nil as Program?, { best, program in
            guard let current = best?.score else { return program }
            return goal.isBetter(program.score!, than: current) ? program : best
        }) else {
            printError("error: no program in \(run.url.path) has a score yet (\(programs.count) stored)")
            throw ExitStatus.nothingFound
        }
        if let writeDirectory {
            try write(best, to: writeDirectory, programName: info.configuration?.program)
            return
        }
        if codeOnly {
            print(best.code, terminator: best.code.hasSuffix("\n") ? "" : "\n")
            return
        }
        let byID = Dictionary(programs.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var lineage: [Program] = []
        var cursor: Program? = best
        while let program = cursor, lineage.count < 10_000 {
            lineage.append(program)
            cursor = program.parentID.flatMap { byID[$0] }
        }
        print("best score \(formatScore(best.score!)): program \(best.id), iteration \(best.iteration), island \(best.island), generation \(best.generation)")
        if let record = best.generationRecord {
            print("written by \(record.model) in \(record.attempts) call(s), \(String(format: "%.1f", record.modelSeconds)) s")
        }
        printVerification(best: best, programs: programs)
        print("run: \(run.url.path) (\(programs.count) programs)")
        await printModels(store)
        print("\nlineage (newest first):")
        for program in lineage {
            let score = program.score.map(formatScore) ?? program.result.status.rawValue
            let label = program.origin == .initial ? "start" : program.origin == .migration ? "migrant" : "iteration \(program.iteration)"
            print("  \(program.id)  \(score.padding(toLength: 12, withPad: " ", startingAt: 0))  \(label)\(planLabel(program))")
        }
        await printInstructions(store, lineage: lineage)
        let code = ProgramTree(decoding: best.code)?.readable ?? best.code
        print("\n" + code, terminator: code.hasSuffix("\n") ? "" : "\n")
    }

    /// Writes the program's files into `path`, which must not hold anything yet.
    private func write(_ program: Program, to path: String, programName: String?) throws {
        let folder = URL(fileURLWithPath: path)
        if let contents = try? FileManager.default.contentsOfDirectory(atPath: folder.path), !contents.isEmpty {
            printError("error: \(folder.path) is not empty; give a new or empty folder, so that nothing there is overwritten")
            throw ExitStatus.invalidConfiguration
        }
        let name = programName.map { ($0 as NSString).lastPathComponent } ?? "program"
        let tree = ProgramTree(decoding: program.code) ?? ProgramTree(files: [name.isEmpty ? "program" : name: program.code])
        do {
            try tree.write(to: folder)
        } catch {
            printError("error: could not write into \(folder.path): \(error.localizedDescription)")
            throw ExitStatus.harnessFailure
        }
        print("wrote program \(program.id) (score \(program.score.map(formatScore) ?? "none")): \(tree.paths.count) file\(tree.paths.count == 1 ? "" : "s") in \(folder.path)")
    }

    /// One line per model: what it answered, what became children and improved on their parents,
    /// tokens, time, cost and failed requests.
    private func printModels(_ store: SQLiteProgramStore) async {
        let usage = (try? await store.modelUsage()) ?? []
        let faults = (try? await store.faultCounts()) ?? [:]
        let models = usage.map(\.model) + faults.keys.sorted().filter { model in !usage.contains { $0.model == model } }
        guard !models.isEmpty else { return }
        print("\nmodels:")
        for model in models {
            var parts: [String] = []
            if let use = usage.first(where: { $0.model == model }) {
                parts.append("\(use.answers) answers, \(use.accepted) became children, \(use.improvements) improved on their parent")
                if use.promptTokens + use.completionTokens > 0 {
                    parts.append("\(use.promptTokens) prompt + \(use.completionTokens) completion tokens")
                }
                parts.append(String(format: "%.1f s", use.modelSeconds))
                if use.cost > 0 { parts.append("cost " + String(format: "%.4f", use.cost)) }
            }
            if let kinds = faults[model], !kinds.isEmpty {
                parts.append("failed requests: " + kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
            print("  \(model): " + parts.joined(separator: "; "))
        }
    }
}
