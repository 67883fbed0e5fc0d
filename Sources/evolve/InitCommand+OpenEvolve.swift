import EvolveCore
import Foundation

extension InitCommand {
    /// `--from-openevolve`: writes DIR/evolve.yaml equivalent to DIR's OpenEvolve configuration.
    func convertOpenEvolve() throws {
        let url = URL(fileURLWithPath: directory)
        let target = url.appendingPathComponent(Problem.configurationFileName)
        if FileManager.default.fileExists(atPath: target.path), !force {
            printError("error: \(url.path) already has \(Problem.configurationFileName); pass --force to overwrite")
            throw ExitStatus.invalidConfiguration
        }
        let given = configurationFile.map { URL(fileURLWithPath: $0) }
        let openEvolveFile = given ?? url.appendingPathComponent(OpenEvolveConfiguration.defaultFileName)
        let problem: Problem
        do {
            problem = try Problem.load(
                from: url, configurationFile: FileManager.default.fileExists(atPath: openEvolveFile.path) ? openEvolveFile : nil)
        } catch {
            printError("error: \(error)")
            throw ExitStatus.invalidConfiguration
        }
        guard let origin = problem.openEvolve else {
            printError("error: \(url.path) is not an OpenEvolve directory (config.yaml, \(Problem.openEvolveEvaluatorFileName), initial_program.*)")
            throw ExitStatus.invalidConfiguration
        }
        let source = origin.file.map { ($0 as NSString).lastPathComponent } ?? "OpenEvolve's defaults"
        var header = ["# Written by `evolve init --from-openevolve` from \(source); see docs/openevolve.md."]
        if !origin.ignoredKeys.isEmpty {
            header.append("# Not carried over (Evolve does not act on them): \(origin.ignoredKeys.joined(separator: ", "))")
        }
        let seconds = origin.stageTimeout == origin.stageTimeout.rounded() ? String(Int(origin.stageTimeout)) : String(origin.stageTimeout)
        header.append("# sandbox.timeout is evaluator.timeout (\(seconds) s) × \(origin.stages) evaluation call(s) per candidate.")
        do {
            let body = try problem.configuration.yamlText()
            try (header.joined(separator: "\n") + "\n" + body).write(to: target, atomically: true, encoding: .utf8)
        } catch {
            printError("error: cannot write \(target.path): \(error.localizedDescription)")
            throw ExitStatus.harnessFailure
        }
        print("wrote \(target.path) from \(source); evolve run \(directory) now reads it instead")
    }
}
