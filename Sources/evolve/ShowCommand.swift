import ArgumentParser
import EvolveController
import EvolveCore
import EvolveDatabase
import EvolveWeb
import Foundation

struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print one program of a run: its score, parent, children, failure, diff and code.",
        discussion: "RUN is a run folder or a problem directory (its latest run). PROGRAM_ID may be a unique prefix."
    )

    @Argument(help: "A run folder or a problem directory.", completion: .directory)
    var run: String

    @Argument(help: "The program's id (or a unique prefix of it).")
    var programID: String

    @Option(help: "Write this version of the program to FILE instead of printing its code.", completion: .file())
    var write: String?

    func run() async throws {
        guard let directory = RunDirectory.locate(run) else {
            printError("error: no run found at \(run) (expected a run folder with \(RunDirectory.databaseName), or a problem directory with runs/)")
            throw ExitStatus.nothingFound
        }
        let detail: RunReport.ProgramDetail
        do {
            let store = try directory.openStore(readOnly: true)
            let ids = try await store.allPrograms().map(\.id.rawValue)
            let matches = ids.contains(programID) ? [programID] : ids.filter { $0.hasPrefix(programID) }
            guard matches.count == 1, let found = try await RunReport.program(matches[0], store: store) else {
                printError(matches.isEmpty
                    ? "error: no program \(programID) in \(directory.url.path) (\(ids.count) stored)"
                    : "error: \(programID) names \(matches.count) programs: \(matches.prefix(5).joined(separator: ", "))")
                throw ExitStatus.nothingFound
            }
            detail = found
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("error: \(error)")
            throw ExitStatus.harnessFailure
        }
        if let write {
            do {
                try detail.code.write(toFile: write, atomically: true, encoding: .utf8)
            } catch {
                printError("error: cannot write \(write): \(error.localizedDescription)")
                throw ExitStatus.harnessFailure
            }
            print("wrote program \(detail.program.id) (\(detail.program.score.map(formatScore) ?? detail.program.status)) to \(write)")
            return
        }
        print(detail.terminalText)
    }
}

extension RunReport.ProgramDetail {
    /// The program as `evolve show` prints it.
    var terminalText: String {
        let p = program
        var lines = ["program \(p.id): \(p.score.map { "score \(formatScore($0))" } ?? p.status), \(p.origin)\(p.planText), iteration \(p.iteration), island \(p.island), generation \(p.generation)"]
        if let model = p.model { lines.append("written by \(model)") }
        lines.append("parent: \(p.parent ?? "none (the starting program)")")
        let kids = children.map { "\($0.id) (\($0.score.map(formatScore) ?? $0.status))" }
        lines.append("children: " + (kids.isEmpty ? "none" : kids.joined(separator: ", ")))
        lines.append("path from the start: " + path.map(\.id).joined(separator: " → "))
        if let failureReason { lines.append("failure: \(failureReason)") }
        if let gateway = modelGateway {
            lines.append("model gateway: \(gateway.summary)")
            lines += gateway.refusals.prefix(3).map { "  refused (\($0.kind.rawValue)): \($0.message)" }
        }
        if !diff.isEmpty {
            lines.append("\ndiff against the parent:")
            lines += diff.filter { $0.kind != " " }.map { $0.kind + " " + $0.text }
        }
        lines.append("\ncode:")
        lines.append(code.hasSuffix("\n") ? String(code.dropLast()) : code)
        return lines.joined(separator: "\n")
    }
}
