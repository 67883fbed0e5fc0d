import EvolveCore
import Foundation
import Testing

@Suite("evolve.yaml: environment and sandbox.hide/expose")
struct EnvironmentConfigurationTests {
    static let program = "# EVOLVE-BLOCK-START\nx = 1\n# EVOLVE-BLOCK-END\n"
    static let files = ["initial_program.py": program, "evaluate.py": "print('{\"score\": 1}')\n"]

    @Test("a requirements.txt beside the evaluator is used when nothing is said; `environment: none` opts out")
    func automaticRequirements() throws {
        try withProblemDirectory(Self.files.merging(["requirements.txt": "six\n", "evolve.yaml": "goal: {direction: maximize}\n"]) { $1 }) { directory in
            let problem = try Problem.load(from: directory)
            #expect(
                problem.configuration.environment.resolve(in: problem.directory)
                    == .requirements(file: problem.directory.appendingPathComponent("requirements.txt"), interpreter: "/usr/bin/python3"))
        }
        try withProblemDirectory(Self.files.merging(["requirements.txt": "six\n", "evolve.yaml": "environment: none\n"]) { $1 }) { directory in
            let problem = try Problem.load(from: directory)
            #expect(problem.configuration.environment.resolve(in: problem.directory) == .system)
        }
        try withProblemDirectory(Self.files.merging(["evolve.yaml": "sandbox: {timeout: 5}\n"]) { $1 }) { directory in
            let problem = try Problem.load(from: directory)
            #expect(problem.configuration.environment.resolve(in: problem.directory) == .system)
        }
    }

    @Test("environment.requirements and environment.python resolve against the problem directory")
    func explicitKeys() throws {
        let yaml = "environment:\n  requirements: deps/eval.txt\n  interpreter: /usr/bin/python3.11\n"
        try withProblemDirectory(Self.files.merging(["deps/eval.txt": "six\n", "evolve.yaml": yaml]) { $1 }) { directory in
            let problem = try Problem.load(from: directory)
            #expect(
                problem.configuration.environment.resolve(in: problem.directory)
                    == .requirements(file: problem.directory.appendingPathComponent("deps/eval.txt"), interpreter: "/usr/bin/python3.11"))
        }
        try withProblemDirectory(Self.files.merging(["venv/bin/python3": "", "evolve.yaml": "environment: {python: venv}\n"]) { $1 }) { directory in
            let problem = try Problem.load(from: directory)
            #expect(problem.configuration.environment.resolve(in: problem.directory) == .existing(problem.directory.appendingPathComponent("venv")))
        }
    }

    @Test(
        "a missing file, both keys, or a wrong value is an error naming the key",
        arguments: [
            ("environment:\n  requirements: missing.txt\n", "environment.requirements", "missing.txt"),
            ("environment:\n  python: /nonexistent/env\n", "environment.python", "/nonexistent/env"),
            ("environment:\n  python: /usr\n  requirements: r.txt\n", "environment.python", "not both"),
            ("environment: maybe\n", "environment", "environment: none"),
            ("environment:\n  interpreter: python3\n", "environment.interpreter", "absolute path"),
            ("environment:\n  requirement: r.txt\n", "environment.requirement", "did you mean `requirements`"),
            ("sandbox:\n  hide: ['']\n", "sandbox.hide", "empty"),
        ])
    func badEnvironment(yaml: String, key: String, mention: String) throws {
        try withProblemDirectory(Self.files.merging(["r.txt": "six\n", "evolve.yaml": yaml]) { $1 }) { directory in
            do {
                _ = try Problem.load(from: directory)
                Issue.record("no error for \(yaml)")
            } catch let error as ConfigurationError {
                #expect(error.key == key, "\(error)")
                #expect(error.description.contains(mention), "\(error)")
                #expect(error.line != nil, "\(error)")
            }
        }
    }

    @Test("sandbox.hide and sandbox.expose are lists of patterns")
    func hideAndExpose() throws {
        let yaml = "sandbox:\n  hide: ['*.key', 'secrets/']\n  expose: [evaluate.py, 'data/*.csv']\n"
        let configuration = try ProblemConfiguration.parse(yaml: yaml, file: "evolve.yaml")
        #expect(configuration.sandbox.hide == ["*.key", "secrets/"])
        #expect(configuration.sandbox.expose == ["evaluate.py", "data/*.csv"])
    }
}
