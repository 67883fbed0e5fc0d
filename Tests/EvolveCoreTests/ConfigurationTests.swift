import EvolveCore
import Foundation
import Testing

/// A temporary problem directory, removed when the body returns.
@discardableResult
func withProblemDirectory<T>(
    _ files: [String: String],
    _ body: (URL) throws -> T
) throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("evolve-core-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    for (path, contents) in files {
        let url = directory.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: url, atomically: true, encoding: .utf8)
    }
    return try body(directory)
}

/// One malformed problem directory and what its error must say.
struct BadProblem: Sendable, CustomTestStringConvertible {
    var name: String
    var yaml: String
    /// Files besides evolve.yaml; a working program and evaluator unless replaced.
    var files: [String: String] = ["initial_program.py": ConfigurationTests.program, "evaluate.py": "print('{\"score\": 1}')\n"]
    /// The file the error must name, relative to the directory.
    var errorFile = "evolve.yaml"
    var line: Int?
    var key: String?
    /// Words the message must contain.
    var mentions: [String]
    /// Words the message must not contain (a wrong hint).
    var avoids: [String] = []
    /// Why the engine does not get this case right yet.

    var testDescription: String { name }
}

@Suite struct ConfigurationTests {
    static let program = """
        import math
        # EVOLVE-BLOCK-START
        def solve():
            return 1
        # EVOLVE-BLOCK-END
        print(solve())

        """

    static let badProblems: [BadProblem] = [
        BadProblem(
            name: "unknown top-level key",
            yaml: "program: initial_program.py\ngoal:\n  direction: maximize\nsandbx:\n  timeout: 5\n",
            line: 4, key: "sandbx", mentions: ["unknown key", "did you mean `sandbox`?"]
        ),
        BadProblem(
            name: "unknown key under search",
            yaml: "search:\n  iterations: 10\n  island: 3\n",
            line: 3, key: "search.island", mentions: ["unknown key", "did you mean `islands`?"]
        ),
        BadProblem(
            name: "unknown key under evaluator.model",
            yaml: "evaluator:\n  model:\n    call: 3\n",
            line: 3, key: "evaluator.model.call", mentions: ["unknown key", "did you mean `calls`?"]
        ),
        BadProblem(
            name: "no calls for the model gateway",
            yaml: "evaluator:\n  model:\n    calls: 0\n",
            line: 3, key: "evaluator.model.calls", mentions: ["1 to 100000"]
        ),
        BadProblem(
            name: "wrong type",
            yaml: "description: count things\nsearch:\n  iterations: many\n",
            line: 3, key: "search.iterations", mentions: ["whole number"]
        ),
        BadProblem(
            name: "unknown enum value",
            yaml: "goal:\n  direction: upward\n",
            line: 2, key: "goal.direction", mentions: ["maximize", "minimize"]
        ),
        BadProblem(
            name: "zero timeout",
            yaml: "search:\n  iterations: 4\nsandbox:\n  memory_mb: 512\n  timeout: 0\n",
            line: 5, key: "sandbox.timeout", mentions: ["positive"]
        ),
        BadProblem(
            name: "zero reuse",
            yaml: "sandbox:\n  backend: gvisor\n  reuse: 0\n",
            line: 3, key: "sandbox.reuse", mentions: ["at least 1"]
        ),
        BadProblem(
            name: "zero reuse under its backend",
            yaml: "sandbox:\n  gvisor:\n    reuse: 0\n",
            line: 3, key: "sandbox.gvisor.reuse", mentions: ["at least 1"]
        ),
        BadProblem(
            name: "unknown key under a backend",
            yaml: "sandbox:\n  docker:\n    imag: python:3.12-slim\n",
            line: 3, key: "sandbox.docker.imag", mentions: ["unknown key", "did you mean `image`?"]
        ),
        BadProblem(
            name: "a backend key given flat and under its backend",
            yaml: "sandbox:\n  reuse: 2\n  gvisor:\n    reuse: 3\n",
            line: 2, key: "sandbox.reuse", mentions: ["`sandbox.gvisor.reuse`", "both"]
        ),
        BadProblem(
            name: "the Docker host given flat and under its backend",
            yaml: "sandbox:\n  docker:\n    host: tcp://a:2375\n  docker_host: tcp://b:2375\n",
            line: 4, key: "sandbox.docker_host", mentions: ["`sandbox.docker.host`", "both"]
        ),
        BadProblem(
            name: "a Docker host that is not an address",
            yaml: "sandbox:\n  docker:\n    host: localhost\n",
            line: 3, key: "sandbox.docker.host", mentions: ["unix:///var/run/docker.sock"]
        ),
        BadProblem(
            name: "a feature dimension named twice",
            yaml: "search:\n  features: [length, nesting, length]\n",
            line: 2, key: "search.features", mentions: ["`length` is named twice"]
        ),
        BadProblem(
            name: "negative iterations",
            yaml: "search:\n  iterations: -3\n",
            line: 2, key: "search.iterations", mentions: ["negative"]
        ),
        BadProblem(
            name: "ratio above one",
            yaml: "search:\n  exploitation: 1.5\n",
            line: 2, key: "search.exploitation", mentions: ["between 0 and 1"]
        ),
        BadProblem(
            name: "ratios summing above one",
            yaml: "search:\n  exploitation: 0.7\n  fitness_proportional: 0.6\n",
            line: 3, key: "search.fitness_proportional", mentions: ["must not exceed 1"]
        ),
        BadProblem(
            name: "unknown key under a strategy's section",
            yaml: "search:\n  strategy: funsearch\n  funsearch:\n    reset_intervall: 10\n",
            line: 4, key: "search.funsearch.reset_intervall", mentions: ["unknown key", "did you mean `reset_interval`?"]
        ),
        BadProblem(
            name: "a non-positive weighted lambda",
            yaml: "search:\n  weighted:\n    lambda: 0\n",
            line: 3, key: "search.weighted.lambda", mentions: ["positive"]
        ),
        BadProblem(
            name: "a zero temperature period",
            yaml: "search:\n  funsearch:\n    temperature_period: 0\n",
            line: 3, key: "search.funsearch.temperature_period", mentions: ["at least 1"]
        ),
        BadProblem(
            name: "spawn_after with a strategy that keeps no islands",
            yaml: "search:\n  strategy: weighted\n  spawn_after: 10\n",
            line: 3, key: "search.spawn_after", mentions: ["map_elites or funsearch"]
        ),
        BadProblem(
            name: "max_islands below islands",
            yaml: "search:\n  islands: 4\n  max_islands: 3\n",
            line: 3, key: "search.max_islands", mentions: ["at least `islands` (4)"]
        ),
        BadProblem(
            name: "a negative acceptance threshold",
            yaml: "search:\n  accept_delta: -0.5\n",
            line: 2, key: "search.accept_delta", mentions: ["at least 0"]
        ),
        BadProblem(
            name: "temperature out of range",
            yaml: "llm:\n  model: qwen3:8b\n  temperature: 9\n",
            line: 3, key: "llm.temperature", mentions: ["between 0 and 5"]
        ),
        BadProblem(
            name: "bad indentation",
            yaml: "goal:\n  direction: maximize\n   target: 3\n",
            line: 3, key: nil, mentions: ["YAML syntax error"]
        ),
        BadProblem(
            name: "unclosed quote",
            yaml: "program: initial_program.py\ndescription: \"never closed\nsearch:\n  iterations: 3\n",
            line: 2, key: nil, mentions: ["YAML", "quoted scalar"]
        ),
        BadProblem(
            name: "duplicate key",
            yaml: "search:\n  iterations: 3\n  iterations: 5\n",
            line: 3, key: "search.iterations", mentions: ["duplicate"]
        ),
        BadProblem(
            name: "list where a string is expected",
            yaml: "program: initial_program.py\ndescription: [pack, items]\n",
            line: 2, key: "description", mentions: ["string"], avoids: ["mapping"]
        ),
        BadProblem(
            name: "mapping where a list is expected",
            yaml: "evaluator:\n  stages: {name: quick}\n",
            line: 2, key: "evaluator.stages", mentions: ["list"], avoids: ["mapping"]
        ),
        BadProblem(
            name: "scalar where a section is expected",
            yaml: "goal: maximize\n",
            line: 1, key: "goal", mentions: ["expected a mapping"]
        ),
        BadProblem(
            name: "a negative recheck count",
            yaml: "evaluator:\n  recheck: -1\n",
            line: 2, key: "evaluator.recheck", mentions: ["0 to 100"]
        ),
        BadProblem(
            name: "a misspelt recheck tolerance",
            yaml: "evaluator:\n  recheck: 2\n  recheck_tolerence: 0.1\n",
            line: 3, key: "evaluator.recheck_tolerence", mentions: ["did you mean `recheck_tolerance`?"]
        ),
        BadProblem(
            name: "a held-out stage with a threshold",
            yaml: "evaluator:\n  final:\n    command: python3 evaluate.py {program}\n    threshold: 0.5\n",
            line: 2, key: "evaluator.final", mentions: ["not a threshold"]
        ),
        BadProblem(
            name: "a held-out script that is missing",
            yaml: "evaluator:\n  final:\n    command: python3 holdout.py {program}\n",
            line: 3, key: "evaluator.final.command", mentions: ["holdout.py", "missing"]
        ),
        BadProblem(
            name: "a held-out command without {program}",
            yaml: "evaluator:\n  final:\n    command: python3 evaluate.py --held-out\n",
            line: 3, key: "evaluator.final.command", mentions: ["{program}"]
        ),
        BadProblem(
            name: "stage without command",
            yaml: "evaluator:\n  command: python3 evaluate.py {program}\n  stages:\n    - name: quick\n      threshold: 0.5\n",
            line: 4, key: "evaluator.stages.0", mentions: ["`command` is required"]
        ),
        BadProblem(
            name: "file is a list",
            yaml: "- program: initial_program.py\n- search: {iterations: 3}\n",
            line: 1, key: nil, mentions: ["must be a mapping"]
        ),
        BadProblem(
            name: "program file missing",
            yaml: "description: x\nprogram: solver.py\n",
            line: 2, key: "program", mentions: ["solver.py", "missing"]
        ),
        BadProblem(
            name: "evaluator script missing",
            yaml: "evaluator:\n  command: python3 evaluate_missing.py {program}\n",
            line: 2, key: "evaluator.command", mentions: ["evaluate_missing.py", "missing"]
        ),
        BadProblem(
            name: "stage script missing",
            yaml: "evaluator:\n  stages:\n    - name: quick\n      command: [python3, quick.py, \"{program}\"]\n",
            line: 4, key: "evaluator.stages.0.command", mentions: ["quick.py", "missing"]
        ),
        BadProblem(
            name: "command without {program}",
            yaml: "goal:\n  direction: minimize\nevaluator:\n  command: python3 evaluate.py\n",
            line: 4, key: "evaluator.command", mentions: ["{program}"]
        ),
        BadProblem(
            name: "unknown prompt template",
            yaml: "program: initial_program.py\n",
            files: [
                "initial_program.py": ConfigurationTests.program, "evaluate.py": "",
                "prompts/system.md": "You are careful.", "prompts/sytem_prompt.md": "typo",
            ],
            errorFile: "prompts/sytem_prompt.md", line: nil, key: nil, mentions: ["not a known prompt template", "system.md"]
        ),
        BadProblem(
            name: "program with an unclosed EVOLVE-BLOCK",
            yaml: "program: initial_program.py\n",
            files: ["initial_program.py": "# EVOLVE-BLOCK-START\ndef solve():\n    pass\n", "evaluate.py": ""],
            errorFile: "initial_program.py", line: nil, key: nil, mentions: ["EVOLVE-BLOCK-START", "never closed"]
        ),
    ]

    @Test(arguments: badProblems)
    func malformedProblemGivesOneLineNamingFileLineAndKey(_ bad: BadProblem) throws {
        var files = bad.files
        files["evolve.yaml"] = bad.yaml
        try withProblemDirectory(files) { directory in
            let error = #expect(throws: ConfigurationError.self) { try Problem.load(from: directory) }
            guard let error else { return }
            let description = error.description
            #expect(!description.contains("\n"), "not one line: \(description)")
            let file = directory.standardizedFileURL.appendingPathComponent(bad.errorFile).path
            #expect(description.hasPrefix(file + ":"), "\(description)")
            do {
                #expect(description.hasPrefix(file + (bad.line.map { ":\($0): " } ?? ": ")), "\(description)")
                #expect(error.line == bad.line)
                #expect(error.key == bad.key)
                if let key = bad.key { #expect(description.contains("`\(key)`"), "\(description)") }
                for word in bad.mentions {
                    #expect(description.contains(word), "\(description)")
                }
                for word in bad.avoids {
                    #expect(!description.contains(word), "\(description)")
                }
            }
        }
    }

    @Test func parseNamesTheFileItWasGiven() {
        #expect {
            try ProblemConfiguration.parse(yaml: "search:\n  bins: 0\n", file: "/problems/tsp/evolve.yaml")
        } throws: { error in
            (error as? ConfigurationError)?.description.hasPrefix("/problems/tsp/evolve.yaml:2: `search.bins`: ") == true
        }
    }

    @Test func missingConfigurationFileSaysHowToCreateOne() throws {
        try withProblemDirectory(["initial_program.py": Self.program]) { directory in
            #expect {
                try Problem.load(from: directory)
            } throws: { error in
                let description = (error as? ConfigurationError)?.description ?? ""
                return description.contains("evolve.yaml") && description.contains("evolve init")
            }
        }
    }

    @Test(arguments: ["", "# only a comment\n", "\n\n"])
    func emptyFileGivesAllDefaults(yaml: String) throws {
        let configuration = try ProblemConfiguration.parse(yaml: yaml, file: "evolve.yaml")
        #expect(configuration == ProblemConfiguration())
        #expect(configuration.program == "initial_program.py")
        #expect(configuration.language == "python")
        #expect(configuration.goal == Goal(direction: .maximize, target: nil))
        #expect(configuration.evaluator.command == .shell("python3 evaluate.py {program}"))
        #expect(configuration.search.iterations == 100)
        #expect(configuration.sandbox.timeout == 10)
    }

    /// An evolve.yaml that sets every key of the main sections, and what it must decode to.
    static let fullYAML = """
        description: Pack circles into a unit square.
        program: pack.rs
        language: rust
        goal:
          direction: minimize
          target: 0.125
        evaluator:
          command: [python3, evaluate.py, "{program}", --strict]
          stages:
            - name: smoke
              command: python3 smoke.py {program}
              threshold: 0.5
              timeout: 3
            - command: python3 medium.py {program}
        llm:
          provider: ollama
          url: http://gpu-box:11434
          model: qwen3:8b
          temperature: 1.2
          top_p: 0.9
          seed: 7
          context_length: 16384
          max_tokens: 4096
          timeout: 120
          stream: false
          concurrency: 3
          retries: 0
        search:
          iterations: 500
          mode: rewrite
          islands: 4
          migration_interval: 10
          exploitation: 0.5
          fitness_proportional: 0.3
          features: [length, density]
          bins: 12
          feature_ranges:
            density: [0, 1.5]
          top_programs: 5
          inspirations: 1
          seed: 1234
          max_code_length: 9000
        sandbox:
          backend: process
          timeout: 2.5
          memory_mb: 256
          cpu_seconds: 5
          max_processes: 8
          max_file_mb: 2
          output_kb: 32
          concurrency: 1
        """

static let fullConfiguration = ProblemConfiguration(
        description: "Pack circles into a unit square.",
        program: "pack.rs",
        language: "rust",
        goal: Goal(direction: .minimize, target: 0.125),
        evaluator: EvaluatorConfiguration(
            command: .arguments(["python3", "evaluate.py", "{program}", "--strict"]),
            stages: [
                EvaluationStage(name: "smoke", command: .shell("python3 smoke.py {program}"), threshold: 0.5, timeout: 3),
                EvaluationStage(name: "stage 2", command: .shell("python3 medium.py {program}")),
            ]
        ),
        llm: LLMConfiguration(
            provider: .ollama, url: "http://gpu-box:11434", model: "qwen3:8b", temperature: 1.2, topP: 0.9, seed: 7,
            contextLength: 16384, maxTokens: 4096, timeout: 120, stream: false, concurrency: 3, retries: 0
        ),
        search: SearchConfiguration(
            iterations: 500, mode: .rewrite, islands: 4, migrationInterval: 10, exploitation: 0.5,
            fitnessProportional: 0.3, features: ["length", "density"], bins: 12, featureRanges: ["density": [0, 1.5]],
            topPrograms: 5, inspirations: 1, seed: 1234, maxCodeLength: 9000
        ),
        sandbox: SandboxConfiguration(
            backend: .process, timeout: 2.5, memoryMB: 256, cpuSeconds: 5, maxProcesses: 8, maxFileMB: 2, outputKB: 32,
            concurrency: 1
        )
    )

    @Test func fullFileRoundTripsEveryValue() throws {
        let parsed = try ProblemConfiguration.parse(yaml: Self.fullYAML, file: "evolve.yaml")
        #expect(parsed == Self.fullConfiguration)
        #expect(parsed.evaluator.cascade.map(\.name) == ["smoke", "stage 2", "final"])
    }

    @Test(arguments: [("solver.py", "python"), ("main.swift", "swift"), ("kernel.cpp", "cpp"), ("notes.txt", "")])
    func languageFollowsTheProgramFileUnlessGiven(program: String, language: String) throws {
        #expect(try ProblemConfiguration.parse(yaml: "program: \(program)\n", file: "evolve.yaml").language == language)
        #expect(try ProblemConfiguration.parse(yaml: "program: \(program)\nlanguage: zig\n", file: "evolve.yaml").language == "zig")
    }

    @Test func flatSandboxSpellingsAreAliasesOfTheBackendSections() throws {
        let flat = try ProblemConfiguration.parse(
            yaml: "sandbox:\n  reuse: 4\n  image: img:1\n  runtime: runc\n  docker_host: tcp://engine:2375\n  tmpfs_mb: 7\n",
            file: "evolve.yaml")
        let nested = try ProblemConfiguration.parse(
            yaml: "sandbox:\n  tmpfs_mb: 7\n  gvisor:\n    reuse: 4\n  docker:\n    image: img:1\n    runtime: runc\n"
                + "    host: tcp://engine:2375\n",
            file: "evolve.yaml")
        #expect(flat == nested)
        #expect(nested.sandbox.gvisor == SandboxConfiguration.GVisor(reuse: 4))
        #expect(nested.sandbox.docker == SandboxConfiguration.Docker(image: "img:1", runtime: "runc", host: "tcp://engine:2375"))
        #expect(nested.sandbox.tmpfsMB == 7)
        let defaults = try ProblemConfiguration.parse(yaml: "sandbox:\n  gvisor:\n  docker:\n", file: "evolve.yaml")
        #expect(defaults.sandbox == SandboxConfiguration())
    }

    @Test func strategySectionsDecodeAndDefault() throws {
        let yaml = """
            search:
              strategy: funsearch
              spawn_after: 12
              max_islands: 5
              accept_delta: 0.25
              weighted:
                lambda: 2.5
              funsearch:
                reset_interval: 30
                temperature: 0.3
                temperature_period: 40
                cluster_precision: 0.01

            """
        let search = try ProblemConfiguration.parse(yaml: yaml, file: "evolve.yaml").search
        #expect(search.strategy == .funsearch)
        #expect(search.weighted == SearchConfiguration.Weighted(lambda: 2.5))
        #expect(search.funsearch == SearchConfiguration.FunSearch(resetInterval: 30, temperature: 0.3, temperaturePeriod: 40, clusterPrecision: 0.01))
        #expect(search.spawnAfter == 12 && search.maxIslands == 5 && search.acceptDelta == 0.25)
        let defaults = try ProblemConfiguration.parse(yaml: "search:\n  strategy: weighted\n  funsearch:\n", file: "evolve.yaml").search
        #expect(defaults.weighted == SearchConfiguration.Weighted() && defaults.funsearch == SearchConfiguration.FunSearch())
        #expect(defaults.spawnAfter == nil && defaults.acceptDelta == nil, "off unless asked for")
        let many = try ProblemConfiguration.parse(yaml: "search:\n  islands: 12\n  spawn_after: 5\n", file: "evolve.yaml").search
        #expect(many.maxIslands == 12, "more islands than the default cap need no max_islands")
    }

    @Test func nullValuesMeanTheDefault() throws {
        let parsed = try ProblemConfiguration.parse(yaml: "search:\n  iterations: ~\nsandbox:\n", file: "evolve.yaml")
        #expect(parsed.search.iterations == SearchConfiguration().iterations)
        #expect(parsed.sandbox == SandboxConfiguration())
    }

    @Test func validProblemLoadsProgramAndTemplates() throws {
        let files = [
            "evolve.yaml": "description: Return one.\nevaluator:\n  command: python3 evaluate.py {program} --fast\n",
            "initial_program.py": Self.program,
            "evaluate.py": "",
            "prompts/system.md": "You write careful Python.",
            "prompts/.DS_Store": "ignored",
        ]
        try withProblemDirectory(files) { directory in
            let problem = try Problem.load(from: directory)
            #expect(problem.configuration.description == "Return one.")
            #expect(problem.initialProgram == Self.program)
            #expect(problem.templates == ["system": "You write careful Python."])
            #expect(problem.directory == directory.standardizedFileURL)
        }
    }

    @Test func absoluteScriptPathsAndNonScriptWordsAreNotCheckedAgainstTheDirectory() throws {
        let files = [
            "evolve.yaml": "evaluator:\n  command: [/usr/bin/env, python3, -m, mymodule.main, \"{program}\"]\n",
            "initial_program.py": Self.program,
        ]
        try withProblemDirectory(files) { directory in
            #expect(throws: Never.self) { try Problem.load(from: directory) }
        }
    }

    @Test func crlfProgramLoadsWithLFLineEnds() throws {
        let crlf = Self.program.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
        let files = ["evolve.yaml": "program: initial_program.py\n", "initial_program.py": crlf, "evaluate.py": ""]
        try withProblemDirectory(files) { directory in
            do {
                let problem = try Problem.load(from: directory)
                #expect(problem.initialProgram == Self.program)
            }
        }
    }
}

@Test("an ensemble in evolve.yaml: members with weights, limits and prices; a member without a model is refused")
func ensembleConfiguration() throws {
    let yaml = """
        llm:
          bandit: true
          cost_budget: 2.5
          models:
            - model: qwen2.5-coder:7b
              weight: 0.8
              concurrency: 2
            - model: gpt-4o-mini
              provider: openai
              url: https://api.example.com/v1
              weight: 0.2
              input_price: 0.15
              output_price: 0.6
        """
    let configuration = try ProblemConfiguration.parse(yaml: yaml, file: "evolve.yaml")
    #expect(configuration.llm.models.count == 2)
    #expect(configuration.llm.models[0].concurrency == 2)
    #expect(configuration.llm.models[1].provider == .openai)
    #expect(configuration.llm.models[1].outputPrice == 0.6)
    #expect(configuration.llm.bandit)
    #expect(configuration.llm.costBudget == 2.5)
    let error = #expect(throws: ConfigurationError.self) {
        try ProblemConfiguration.parse(yaml: "llm:\n  models:\n    - weight: 1\n", file: "evolve.yaml")
    }
    #expect(error?.line == 3)
    #expect(error?.description.contains("model") == true)
}
