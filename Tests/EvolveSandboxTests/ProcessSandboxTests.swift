import EvolveCore
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What the process backend gives an evaluator: the command, the candidate file, the working
/// directory, the environment and the writable directory.
@Suite struct ProcessSandboxTests {
    /// Prints, as one JSON line, what the evaluator sees of its candidate and surroundings.
    static let probe = """
        import json, os, sys
        path = sys.argv[1]
        print("some noise first")
        print(json.dumps({
            "argv": sys.argv[1:],
            "cwd": os.getcwd(),
            "name": os.path.basename(path),
            "content": open(path, encoding="utf-8").read(),
        }))
        """

    static let commandForms: [(form: String, command: CommandLineSpec)] = [
        ("shell string", .shell("python3 probe.py {program} {eval_dir}")),
        ("argument list", .arguments(["python3", "probe.py", "{program}", "{eval_dir}"])),
    ]

    @Test(arguments: commandForms)
    func runsTheCommandOnTheCandidateInTheProblemDirectory(_ form: String, _ command: CommandLineSpec) async throws {
        // A temporary root with a space and a quote: the shell form must quote the candidate path.
        let fixture = try SandboxFixture(files: ["probe.py": Self.probe], scratchName: "it's a dir")
        defer { fixture.remove() }
        let program = "# candidate ü \"quoted\" 'single'\nVALUE = 42\n"

        let outcome = try await fixture.run(command, program: program, fileName: "solver.py")

        #expect(outcome.termination == .exited(0), "stderr: \(outcome.stderr)")
        let report = try #require(lastJSONLine(outcome.stdout), "stdout: \(outcome.stdout)")
        let argv = try #require(report["argv"] as? [String])
        #expect(argv.count == 2)
        #expect(report["name"] as? String == "solver.py")
        #expect(report["content"] as? String == program)
        #expect(argv.first?.hasPrefix(fixture.temporaryRoot.path + "/") == true, "candidate at \(argv)")
        #expect(argv.last?.hasPrefix(fixture.temporaryRoot.path + "/") == true, "eval dir at \(argv)")
        let cwd = try #require(report["cwd"] as? String)
        #expect(URL(fileURLWithPath: cwd).resolvingSymlinksInPath().path == fixture.problem.url.resolvingSymlinksInPath().path)
        #expect(outcome.stdout.hasPrefix("some noise first"))
        #expect(outcome.outputTruncated == false)
        #expect(outcome.duration > 0 && outcome.duration < 20)
        #expect(fixture.leftovers.isEmpty, "left behind: \(fixture.leftovers)")
    }

    @Test func nonZeroExitAndStandardErrorAreReported() async throws {
        let fixture = try SandboxFixture(files: ["fail.py": "import sys\nprint('out')\nprint('bad thing', file=sys.stderr)\nsys.exit(7)\n"])
        defer { fixture.remove() }
        let outcome = try await fixture.run(.shell("python3 fail.py {program}"))
        #expect(outcome.termination == .exited(7))
        #expect(outcome.stdout == "out\n")
        #expect(outcome.stderr == "bad thing\n")
        #expect(outcome.resultFile == nil)
        #expect(fixture.leftovers.isEmpty)
    }

    @Test func environmentIsScrubbedAndTheWritableDirectoryIsPrivateAndRemoved() async throws {
        setenv("EVOLVE_TEST_SECRET", "hunter2", 1)
        let probe = """
            import json, os
            home = os.environ.get("HOME")
            with open(os.path.join(home, "scratch.txt"), "w") as f:
                f.write("written")
            print(json.dumps({"env": dict(os.environ), "wrote": os.path.exists(os.path.join(home, "scratch.txt"))}))
            """
        let fixture = try SandboxFixture(files: ["env.py": probe])
        defer { fixture.remove() }

        let outcome = try await fixture.run(.arguments(["python3", "env.py", "{program}"]))

        #expect(outcome.termination == .exited(0), "stderr: \(outcome.stderr)")
        let report = try #require(lastJSONLine(outcome.stdout), "stdout: \(outcome.stdout)")
        let environment = try #require(report["env"] as? [String: String])
        #expect(ProcessInfo.processInfo.environment["EVOLVE_TEST_SECRET"] == "hunter2")
        #expect(environment["EVOLVE_TEST_SECRET"] == nil)
        #expect(!outcome.stdout.contains("hunter2"))
        #expect(environment["PATH"] == "/usr/local/bin:/usr/bin:/bin")
        let evalDirectory = try #require(environment["EVOLVE_EVAL_DIR"])
        #expect(environment["HOME"] == evalDirectory)
        #expect(environment["TMPDIR"] == evalDirectory)
        #expect(evalDirectory.hasPrefix(fixture.temporaryRoot.path + "/"))
        #expect(report["wrote"] as? Bool == true)
        // Nothing of the test process's own environment leaks, beyond the documented keys.
        let documented: Set<String> = [
            "PATH", "HOME", "TMPDIR", "LANG", "EVOLVE_EVAL_DIR", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED",
        ]
        #expect(Set(environment.keys).subtracting(documented).isEmpty, "unexpected: \(environment.keys.sorted())")
        #expect(!FileManager.default.fileExists(atPath: evalDirectory), "the writable directory outlived the run")
        #expect(fixture.leftovers.isEmpty, "left behind: \(fixture.leftovers)")
    }

    @Test func resultFileInTheWritableDirectoryIsReturned() async throws {
        let evaluator = """
            import json, os
            with open(os.path.join(os.environ["EVOLVE_EVAL_DIR"], "result.json"), "w") as f:
                json.dump({"score": 7}, f)
            print(json.dumps({"score": 1}))
            """
        let fixture = try SandboxFixture(files: ["evaluate.py": evaluator])
        defer { fixture.remove() }
        let outcome = try await fixture.run(.shell("python3 evaluate.py {program}"))
        #expect(outcome.termination == .exited(0))
        #expect(outcome.resultFile?.contains("\"score\": 7") == true)
        #expect(outcome.stdout.contains("\"score\": 1"))
    }

    @Test func evalDirPlaceholderNamesTheDirectoryWhoseResultFileIsRead() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        let outcome = try await fixture.run(.shell("echo '{\"score\": 3}' > {eval_dir}/result.json; cat {program} >/dev/null"))
        #expect(outcome.termination == .exited(0), "stderr: \(outcome.stderr)")
        #expect(outcome.resultFile?.trimmingCharacters(in: .whitespacesAndNewlines) == "{\"score\": 3}")
    }

    @Test func concurrentRunsEachSeeTheirOwnCandidate() async throws {
        let fixture = try SandboxFixture(files: [
            "echo.py": "import sys, os, time\ntime.sleep(0.2)\nprint(open(sys.argv[1]).read().strip(), os.environ['EVOLVE_EVAL_DIR'])\n"
        ])
        defer { fixture.remove() }
        let sandbox = fixture.sandbox
        let outputs = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in 0..<6 {
                let job = fixture.job(.arguments(["python3", "echo.py", "{program}"]), program: "candidate-\(index)\n")
                group.addTask { (index, try await sandbox.run(job).stdout) }
            }
            var outputs: [Int: String] = [:]
            for try await (index, stdout) in group { outputs[index] = stdout }
            return outputs
        }
        var evalDirectories: Set<String> = []
        for index in 0..<6 {
            let words = (outputs[index] ?? "").split(separator: " ")
            #expect(words.first.map(String.init) == "candidate-\(index)", "run \(index) printed \(outputs[index] ?? "")")
            if let directory = words.last { evalDirectories.insert(directory.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        #expect(evalDirectories.count == 6, "runs shared a writable directory")
        #expect(fixture.leftovers.isEmpty, "left behind: \(fixture.leftovers)")
    }

    @Test func missingInterpreterIsAnOutcomeNotAHang() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        let outcome = try await fixture.run(.shell("no-such-interpreter-xyz {program}"))
        #expect(outcome.termination == .exited(127))
        #expect(outcome.stderr.contains("not found"))
        #expect(fixture.leftovers.isEmpty)
    }

    @Test func availabilityCheckPassesWherePrlimitIsInstalled() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit"))
        try await ProcessSandbox(configuration: .init(), logger: testLogger).checkAvailability()
        #expect(ProcessSandbox(configuration: .init(), logger: testLogger).isolates == false)
        #expect(ProcessSandbox(configuration: .init(), logger: testLogger).name == "process")
    }
}
