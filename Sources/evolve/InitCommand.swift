import ArgumentParser
import EvolveCore
import Foundation

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new problem directory to edit: evolve.yaml, a starting program and an evaluator.",
        discussion: "The scaffold runs as it is (`evolve run DIR`); replace its toy problem with yours."
    )

    @Argument(help: "The directory to create (it may exist, but must not hold these files).", completion: .directory)
    var directory: String

    @Flag(help: "Overwrite existing files.")
    var force = false

    @Flag(name: .customLong("from-openevolve"), help: "Write DIR/evolve.yaml equivalent to DIR's OpenEvolve config.yaml (or --config FILE).")
    var fromOpenEvolve = false

    @Option(name: .customLong("config"), help: "With --from-openevolve: the OpenEvolve configuration to convert (default: DIR/config.yaml).")
    var configurationFile: String?

    func run() throws {
        if fromOpenEvolve { return try convertOpenEvolve() }
        let url = URL(fileURLWithPath: directory)
        let files = [
            Problem.configurationFileName: Scaffold.configuration,
            "initial_program.py": Scaffold.program,
            "evaluate.py": Scaffold.evaluator,
        ]
        let existing = files.keys.filter { FileManager.default.fileExists(atPath: url.appendingPathComponent($0).path) }.sorted()
        if !existing.isEmpty, !force {
            printError("error: \(url.path) already has \(existing.joined(separator: ", ")); pass --force to overwrite")
            throw ExitStatus.invalidConfiguration
        }
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            for (name, text) in files {
                try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
        } catch {
            printError("error: cannot write to \(url.path): \(error.localizedDescription)")
            throw ExitStatus.harnessFailure
        }
        print("""
            created \(url.path):
              evolve.yaml         the problem, goal, model, search and sandbox settings
              initial_program.py  the starting program; the model edits between the EVOLVE-BLOCK markers
              evaluate.py         scores a candidate and prints {"score": ...} as its last line
            try it: evolve run \(directory)
            """)
    }
}

enum Scaffold {
    static let configuration = """
        # What the model is told about the task (the start of its system prompt).
        description: >
          Write approximate_pi(n) so that it returns pi as accurately as possible using at most
          n terms of a series. The score is the number of correct decimal digits.

        program: initial_program.py     # the starting program, with EVOLVE-BLOCK markers

        goal:
          direction: maximize           # or minimize
          target: 12                    # stop once a program scores this (remove to run the full budget)

        evaluator:
          # {program} is replaced by the candidate's path; the command runs in this directory.
          command: python3 evaluate.py {program}

        llm:
          model: gemma4:26b-a4b-it-q4_K_M   # any model pulled into Ollama
          # url: http://localhost:11434     # else OLLAMA_HOST, else this default
          temperature: 0.7

        search:
          iterations: 50
          mode: diff                    # diff (SEARCH/REPLACE) or rewrite (whole program)

        sandbox:
          backend: gvisor               # gvisor (isolated, needs runsc and root), docker, or process (no isolation)
          timeout: 10                   # seconds of wall clock per evaluation
          # gvisor:
          #   reuse: 50                 # run up to 50 evaluations per sandbox, each in fresh namespaces
          #                             # (about twice as fast; they share the guest kernel). Default 1: a fresh sandbox each

        """

    static let program = """
        import math

        # EVOLVE-BLOCK-START
        def approximate_pi(n):
            # Leibniz series: slow but simple.
            total = 0.0
            for k in range(n):
                total += (-1) ** k / (2 * k + 1)
            return 4 * total
        # EVOLVE-BLOCK-END

        """

    static let evaluator = """
        \"\"\"Scores a candidate: correct decimal digits of pi from approximate_pi(1000).\"\"\"
        import importlib.util
        import json
        import math
        import sys


        def main(path):
            spec = importlib.util.spec_from_file_location("candidate", path)
            module = importlib.util.module_from_spec(spec)
            try:
                spec.loader.exec_module(module)
                value = float(module.approximate_pi(1000))
            except Exception as error:  # a broken candidate is a failure with a reason, not a crash
                print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
                return
            if not math.isfinite(value):
                print(json.dumps({"error": f"approximate_pi returned {value}"}))
                return
            error = abs(value - math.pi)
            digits = 16.0 if error == 0 else max(0.0, -math.log10(error))
            print(json.dumps({"score": round(min(digits, 16.0), 3), "metrics": {"value": value}}))


        if __name__ == "__main__":
            main(sys.argv[1])

        """
}
