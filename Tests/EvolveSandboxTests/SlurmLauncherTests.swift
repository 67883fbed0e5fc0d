import EvolveCore
import EvolveTesting
import Foundation
import Testing

@testable import EvolveSandbox

#if canImport(Glibc)
import Glibc
#endif

/// The launcher srun runs on a node (evolve-slurm-launch.py), run here directly, without Slurm:
/// what it records, its wall clock, and its refusal of a job that is not its own.
@Suite struct SlurmLauncherTests {
    /// A run folder with the launcher, a problem directory, and a sandbox to build job.json with.
    struct Fixture {
        let root: TemporaryDirectory
        let launcher: URL
        let sandbox = SlurmSandbox(configuration: .init(environment: [:]), logger: testLogger)

        init(files: [String: String]) throws {
            root = try TemporaryDirectory(prefix: "evolve-slurm-launcher")
            try root.write(files.mapKeys { "problem/\($0)" })
            launcher = try SlurmLauncher.install(in: root.url.appendingPathComponent("run"))
        }

        func job(_ command: CommandLineSpec, timeout: Double = 20) -> SandboxJob {
            SandboxJob(
                command: command, program: "VALUE = 1\n", programFileName: "program.py",
                problemDirectory: root.url.appendingPathComponent("problem"), limits: .forTests(timeout: timeout))
        }

        /// Writes the job's folder and runs the launcher on it with `nonce` (the folder's own by default).
        func launch(_ job: SandboxJob, nonce: String? = nil) throws -> (status: Int32, directory: SlurmJobDirectory) {
            let directory = try SlurmJobDirectory(in: root.url.appendingPathComponent("run"), name: "evolve-test-1", job: job)
            try directory.write(sandbox.spec(for: job, in: directory))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = SlurmLauncher.command(launcher, job: directory).dropFirst().dropLast() + [nonce ?? directory.nonce]
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return (process.terminationStatus, directory)
        }
    }

    @Test("the launcher is valid Python") func compiles() throws {
        let fixture = try Fixture(files: [:])
        defer { fixture.root.remove() }
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        check.arguments = ["-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())", fixture.launcher.path]
        try check.run()
        check.waitUntilExit()
        #expect(check.terminationStatus == 0)
    }

    @Test("it runs the command in the problem directory and records its end, output and result.json with the nonce")
    func records() throws {
        let evaluate = """
            import json, os, sys
            print("noise")
            print("to stderr", file=sys.stderr)
            open(os.path.join(os.environ["EVOLVE_EVAL_DIR"], "result.json"), "w").write(json.dumps({"score": 3}))
            print(json.dumps({"cwd": os.getcwd(), "program": open(sys.argv[1]).read(), "env": sorted(os.environ)}))
            sys.exit(4)
            """
        let fixture = try Fixture(files: ["evaluate.py": evaluate])
        defer { fixture.root.remove() }
        let (status, directory) = try fixture.launch(fixture.job(.shell("python3 evaluate.py {program}")))
        #expect(status == 0)
        let outcome = try #require(directory.record("outcome.json"))
        #expect(outcome.exit == 4 && outcome.signal == nil && outcome.timedOut == false)
        #expect(outcome.result == #"{"score": 3}"#)
        #expect(directory.record("started.json") != nil)
        let stdout = try String(contentsOf: directory.file("stdout"), encoding: .utf8)
        let report = try #require(lastJSONLine(stdout))
        #expect(report["program"] as? String == "VALUE = 1\n")
        #expect((report["cwd"] as? String).map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().lastPathComponent } == "problem")
        #expect(Set(report["env"] as? [String] ?? []).isSubset(of: ["PATH", "HOME", "TMPDIR", "LANG", "EVOLVE_EVAL_DIR", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "LC_CTYPE", "PWD"]))
        #expect(try String(contentsOf: directory.file("stderr"), encoding: .utf8) == "to stderr\n")
    }

    @Test("a multi-file candidate arrives as its folder, every file in place")
    func multiFileCandidate() throws {
        let evaluate = """
            import json, os, sys
            root = sys.argv[1]
            files = {os.path.relpath(os.path.join(d, f), root): open(os.path.join(d, f)).read() for d, _, fs in os.walk(root) for f in fs}
            print(json.dumps({"score": 1, "files": files}))
            """
        let fixture = try Fixture(files: ["evaluate.py": evaluate])
        defer { fixture.root.remove() }
        var job = fixture.job(.shell("python3 evaluate.py {program}"))
        job.program = ProgramTree(files: ["solver/a.py": "A = 1\n", "solver/deep/b.py": "B = 2\n", "README": "text"]).encoded
        job.programFileName = "program"
        let (status, directory) = try fixture.launch(job)
        #expect(status == 0)
        let report = try #require(lastJSONLine(try String(contentsOf: directory.file("stdout"), encoding: .utf8)))
        #expect(report["files"] as? [String: String] == ["solver/a.py": "A = 1\n", "solver/deep/b.py": "B = 2\n", "README": "text"])
    }

    @Test("its wall clock kills the command's whole process group") func wallClock() async throws {
        let sleeper = """
            import os, subprocess, time
            child = subprocess.Popen(["sleep", "300"])
            open("pids.txt", "w").write(f"{os.getpid()} {child.pid}\\n")
            time.sleep(300)
            """
        let fixture = try Fixture(files: ["sleeper.py": sleeper])
        defer { fixture.root.remove() }
        let started = ContinuousClock.now
        let (status, directory) = try fixture.launch(fixture.job(.arguments(["python3", "sleeper.py"]), timeout: 1))
        #expect(seconds(since: started) < 5)
        #expect(status == 0)
        #expect(directory.record("outcome.json")?.timedOut == true)
        let pids = await Processes.pids(inFile: fixture.root.url.appendingPathComponent("problem/pids.txt"), count: 2)
        defer { Processes.killLeftovers(pids) }
        #expect(pids.count == 2)
        #expect(await Processes.survivors(of: pids).isEmpty)
    }

    @Test("a job.json that is not its own (another nonce) is refused, and nothing is recorded") func foreignJob() throws {
        let fixture = try Fixture(files: ["evaluate.py": "print(1)\n"])
        defer { fixture.root.remove() }
        let (status, directory) = try fixture.launch(fixture.job(.shell("python3 evaluate.py")), nonce: "0123456789abcdef")
        #expect(status == 70)
        #expect(!FileManager.default.fileExists(atPath: directory.file("outcome.json").path))
        #expect(!FileManager.default.fileExists(atPath: directory.file("started.json").path))
    }
}

extension Dictionary {
    func mapKeys<T: Hashable>(_ transform: (Key) -> T) -> [T: Value] {
        Dictionary<T, Value>(uniqueKeysWithValues: map { (transform($0.key), $0.value) })
    }
}
