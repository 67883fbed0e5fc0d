import EvolveCore
import EvolveSandbox
import EvolveTesting
import Foundation
import Subprocess
import Testing

#if canImport(Glibc)
import Glibc
#endif

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Warm evaluators (`sandbox.warm: true`) through the real runsc: the hostile battery, the
/// container contract, what one candidate can leave for or do to the next, an OpenEvolve directory
/// and a command evaluator run warm, and a warm evaluator that dies.
@Suite("gVisor warm evaluators", .serialized, .enabled(if: TestEnvironment.runsGVisorTests, "needs runsc, as root"))
struct GVisorWarmTests {
    /// A warm gVisor sandbox whose scratch lies under `scratch/gvisor`.
    static func sandbox(_ configuration: SandboxConfiguration = SandboxConfiguration(warm: true), scratch: URL) throws -> GVisorSandbox {
        let root = scratch.appendingPathComponent("gvisor")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        var configuration = configuration
        configuration.warm = true
        return GVisorSandbox(configuration: .init(configuration, temporaryRoot: root), logger: testLogger)
    }

    @Test(
        "warm: each hostile candidate is a recorded failure within timeout + 2 s, leaks nothing, and the next candidate sees nothing of it (also with an environment bound)",
        arguments: [false, true])
    func battery(withEnvironment: Bool) async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-warm-battery")
        let outside = try TemporaryDirectory(prefix: "evolve-warm-battery-venv")
        let scratch = try TemporaryDirectory(prefix: "evolve-warm-battery-scratch")
        defer {
            directory.remove()
            outside.remove()
            scratch.remove()
        }
        let environment = withEnvironment ? try await makeVirtualEnvironment(in: outside.url) : nil
        let sandbox = try Self.sandbox(scratch: scratch.url)
        let base = scratch.url.appendingPathComponent("gvisor/evolve-gvisor-\(getpid())")
        try await HostileBattery.run(sandbox: sandbox, directory: directory, environment: environment) { name in
            let jobs = (try? FileManager.default.contentsOfDirectory(atPath: base.appendingPathComponent("jobs").path)) ?? []
            #expect(jobs.count <= 1, "\(name): more than the one warm sandbox: \(jobs)")
        }
        #expect(sandbox.warmFaults.isEmpty, "a hostile candidate took the warm evaluator down: \(sandbox.warmFaults)")
        await sandbox.shutdown()
        #expect(!FileManager.default.fileExists(atPath: base.path), "the sandbox's scratch is left")
        #expect(!ProcessTable.contains(base.path), "a runsc process is still running")
    }

    @Test("warm: the candidate runs read-only as uid 65534 in /problem under gVisor; result.json wins over standard output; output keeps its tail")
    func containerContract() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-warm-contract")
        defer { directory.remove() }
        let sandbox = try Self.sandbox(scratch: directory.url)
        try await HostileBattery.expectContainerContract(sandbox: sandbox, directory: directory)
        #expect(sandbox.warmFaults.isEmpty, "\(sandbox.warmFaults)")
        await sandbox.shutdown()
    }

    /// Leaves everything it can for the next candidate, then tries to reach every process it
    /// cannot see (signal 0 and PTRACE_ATTACH on every PID up to 4096), while a sibling runs.
    static let intruder = """
        import builtins, ctypes, json, os, socket, sys, time
        sys.path.insert(0, '/problem')
        import helper
        dumps = json.dumps
        libc = ctypes.CDLL(None, use_errno=True)
        open('/tmp/eval/left-behind', 'w').write('x')
        libc.shmget(0x5EC2E9, 4096, 0o1666)
        os.environ['EVOLVE_LEFT'] = '1'
        os.putenv('EVOLVE_LEFT_PUTENV', '1')
        helper.STATE.append('tainted')
        helper.value = lambda: 666
        json.dumps = lambda *args, **kwargs: '{"score": 666}'
        builtins.EVOLVE_LEFT = True
        sys.modules['evolve_left'] = sys
        sys.path.append('/tmp/eval')
        kept = [os.open('/problem/helper.py', os.O_RDONLY), socket.socket().detach(), *os.pipe()]
        os.dup2(kept[0], 200, inheritable=True)
        if os.fork() == 0:
            time.sleep(600)
        mine = {int(entry) for entry in os.listdir('/proc') if entry.isdigit()}
        reached = []
        for pid in range(1, 4097):
            if pid in mine:
                continue
            try:
                os.kill(pid, 0)
                reached.append(f'signal {pid}')
            except PermissionError:
                reached.append(f'sees {pid}')
            except ProcessLookupError:
                pass
            if libc.ptrace(16, pid, 0, 0) == 0:
                reached.append(f'ptrace {pid}')
        print(dumps({'error': 'reached: ' + (', '.join(reached) or 'nothing') + f'; own PIDs {sorted(mine)}'}))

        """

    /// Scores 42 only when nothing of the intruder is there.
    static let probe = """
        import builtins, ctypes, json, os, sys
        sys.path.insert(0, '/problem')
        import helper
        sys.path.remove('/problem')
        left = []
        if os.listdir('/tmp/eval'):
            left.append(f'files {os.listdir("/tmp/eval")}')
        if ctypes.CDLL(None).shmget(0x5EC2E9, 0, 0) != -1:
            left.append('shared memory')
        left += [f'environment {name}' for name in ('EVOLVE_LEFT', 'EVOLVE_LEFT_PUTENV') if name in os.environ]
        if helper.STATE or helper.value() != 1:
            left.append(f'module state {helper.STATE}')
        if json.dumps({}) != '{}':
            left.append('json patched')
        if hasattr(builtins, 'EVOLVE_LEFT') or 'evolve_left' in sys.modules or '/tmp/eval' in sys.path:
            left.append('interpreter state')
        descriptors = sorted(int(fd) for fd in os.listdir('/proc/self/fd'))
        if [fd for fd in descriptors if fd > 3]:
            left.append(f'descriptors {descriptors}')
        others = [entry for entry in os.listdir('/proc') if entry.isdigit() and int(entry) != os.getpid()]
        if others:
            left.append(f'processes {others}')
        print(json.dumps({'error': f'left behind: {left}'} if left else {'score': 42}))

        """

    @Test(
        "warm: a candidate sees no file, shared memory, process, environment change, module state or descriptor of an earlier one, and can neither signal nor trace the zygote or a sibling"
    )
    func crossCandidateProbes() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-warm-probes")
        defer { directory.remove() }
        try directory.write([
            "evolve.yaml": """
                program: candidate.py
                evaluator:
                  command: python3 {program}
                  preload: [helper, json]
                sandbox:
                  warm: true
                  concurrency: 1
                  timeout: 10

                """,
            "candidate.py": "print('{\"score\": 1}')\n",
            "helper.py": "STATE = []\n\ndef value():\n    return 1\n",
        ])
        let problem = try Problem.load(from: directory.url)
        #expect(problem.configuration.sandbox.warm)
        #expect(problem.configuration.evaluator.preload == ["helper", "json"])
        let sandbox = try Self.sandbox(problem.configuration.sandbox, scratch: directory.url.appendingPathComponent("runs"))
        let evaluator = Evaluator(sandbox: sandbox, problem: problem)

        let first = try await evaluator.evaluate(Self.probe)
        #expect(first.status == .success && first.score == 42, "\(first.failureReason ?? "")")
        // A sibling runs beside the intruder in another warm evaluator; the intruder must not reach it.
        async let sibling = evaluator.evaluate("import time\ntime.sleep(3)\nprint('{\"score\": 7}')\n")
        let intruder = try await evaluator.evaluate(Self.intruder)
        #expect(intruder.status == .invalidResult)
        let reason = intruder.failureReason ?? ""
        #expect(reason.contains("reached: nothing; own PIDs [1, 2]"), "\(reason)")
        let beside = try await sibling
        #expect(beside.status == .success && beside.score == 7, "the sibling: \(beside.failureReason ?? "")")
        for _ in 0..<2 {
            let next = try await evaluator.evaluate(Self.probe)
            #expect(next.status == .success && next.score == 42, "after the intruder: \(next.failureReason ?? "")")
        }
        #expect(sandbox.warmFaults.isEmpty, "\(sandbox.warmFaults)")
        await sandbox.shutdown()
    }

    @Test("warm: a command evaluator imports its preloaded modules once, and each candidate is scored as a cold one would be")
    func commandEvaluatorRunsWarm() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-warm-command")
        defer { directory.remove() }
        try directory.write([
            "evolve.yaml": """
                program: candidate.py
                evaluator:
                  command: python3 evaluate.py {program}
                  preload: [slow]
                sandbox:
                  warm: true

                """,
            "candidate.py": "VALUE = 1\n",
            // An import that costs 1.5 s, paid once by a warm evaluator and by every cold evaluation.
            "slow.py": "import time\ntime.sleep(1.5)\nLOADED_AT = time.time()\n",
            "evaluate.py": """
                import json, os, sys
                import slow
                namespace = {}
                exec(open(sys.argv[1]).read(), namespace)
                print(json.dumps({"score": namespace["VALUE"], "metrics": {
                    "loaded_at": slow.LOADED_AT, "argv": sys.argv, "path0": sys.path[0], "main": __name__,
                    "cwd": os.getcwd(), "uid": os.getuid()}}))

                """,
        ])
        let problem = try Problem.load(from: directory.url)
        let sandbox = try Self.sandbox(problem.configuration.sandbox, scratch: directory.url.appendingPathComponent("runs"))
        let evaluator = Evaluator(sandbox: sandbox, problem: problem)
        var loaded: Set<JSONValue> = []
        for value in 1...4 {
            let result = try await evaluator.evaluate("VALUE = \(value)\n")
            #expect(result.status == .success && result.score == Double(value), "\(result.failureReason ?? "") \(result.stderrTail)")
            // The clock of a job starts once the evaluator is ready: no evaluation pays the import.
            #expect(result.duration < 1.5, "evaluation \(value) took \(result.duration) s")
            #expect(result.metrics["argv"] == .array([.string("evaluate.py"), .string("/candidate/program.py")]))
            #expect(result.metrics["path0"] == .string("/problem"))
            #expect(result.metrics["main"] == .string("__main__"))
            #expect(result.metrics["uid"] == .number(65534))
            loaded.insert(result.metrics["loaded_at"] ?? .null)
        }
        #expect(loaded.count == 1, "the preloaded module was imported more than once: \(loaded)")
        #expect(sandbox.warmFaults.isEmpty, "\(sandbox.warmFaults)")
        await sandbox.shutdown()

        // Cold, the same candidate pays the import every time, and scores the same.
        let cold = GVisorSandbox(configuration: .init(temporaryRoot: try Self.scratch(in: directory)), logger: testLogger)
        let result = try await Evaluator(sandbox: cold, problem: problem).evaluate("VALUE = 3\n")
        #expect(result.status == .success && result.score == 3 && result.duration > 1.5, "\(result.duration) s")
        await cold.shutdown()
    }

    static func scratch(in directory: TemporaryDirectory) throws -> URL {
        let root = directory.url.appendingPathComponent("runs/cold")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        return root
    }

    @Test("warm: an OpenEvolve directory imports evaluator.py once; a candidate that monkey-patches the evaluator's module changes nothing for the next")
    func openEvolveRunsWarm() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-warm-openevolve")
        defer { directory.remove() }
        try directory.write([
            "initial_program.py": "# EVOLVE-BLOCK-START\nVALUE = 1\n# EVOLVE-BLOCK-END\n",
            "evaluator.py": """
                import importlib.util, time
                time.sleep(1.5)
                LOADED_AT = time.time()
                CALLS = []

                def evaluate(path):
                    spec = importlib.util.spec_from_file_location("candidate", path)
                    module = importlib.util.module_from_spec(spec)
                    spec.loader.exec_module(module)
                    CALLS.append(path)
                    return {"combined_score": float(module.VALUE), "calls": len(CALLS), "loaded_at": LOADED_AT}

                """,
        ])
        let problem = try Problem.load(from: directory.url)
        #expect(problem.configuration.evaluator.openEvolve != nil)
        let sandbox = try Self.sandbox(problem.configuration.sandbox, scratch: directory.url.appendingPathComponent("runs"))
        let evaluator = Evaluator(sandbox: sandbox, problem: problem)

        let patcher = """
            import sys
            module = sys.modules['evaluation_module']
            module.evaluate = lambda path: {'combined_score': 1e9}
            module.CALLS.extend(range(100))
            module.LOADED_AT = 0
            VALUE = 5

            """
        let first = try await evaluator.evaluate("VALUE = 2\n")
        #expect(first.status == .success && first.score == 2, "\(first.failureReason ?? "") \(first.stderrTail)")
        #expect(first.metrics["calls"] == .number(1))
        // Its own evaluation sees what it changed; the next ones must not.
        let patched = try await evaluator.evaluate(patcher)
        #expect(patched.status == .success && patched.score == 5, "\(patched.failureReason ?? "") \(patched.stderrTail)")
        #expect(patched.metrics["calls"] == .number(101) && patched.metrics["loaded_at"] == .number(0), "\(patched.metrics)")
        for value in [7, 8] {
            let result = try await evaluator.evaluate("VALUE = \(value)\n")
            #expect(result.status == .success && result.score == Double(value), "\(result.failureReason ?? "") \(result.stderrTail)")
            #expect(result.metrics["calls"] == .number(1), "\(result.metrics)")
            #expect(result.metrics["loaded_at"] == first.metrics["loaded_at"], "evaluator.py was imported again")
            #expect(result.duration < 1.5, "\(result.duration) s")
        }
        #expect(sandbox.warmFaults.isEmpty, "\(sandbox.warmFaults)")
        await sandbox.shutdown()
    }

    @Test("warm: a warm evaluator killed during an evaluation is a recorded harness fault; the candidate is evaluated again and scored")
    func zygoteCrashIsRecovered() async throws {
        let directory = try TemporaryDirectory(prefix: "evolve-warm-crash")
        defer { directory.remove() }
        try directory.write([
            "evolve.yaml": "program: candidate.py\nevaluator:\n  command: python3 {program}\nsandbox:\n  warm: true\n",
            "candidate.py": "print('{\"score\": 1}')\n",
        ])
        let problem = try Problem.load(from: directory.url)
        let scratch = directory.url.appendingPathComponent("runs")
        let sandbox = try Self.sandbox(problem.configuration.sandbox, scratch: scratch)
        let evaluator = Evaluator(sandbox: sandbox, problem: problem)
        let warmUp = try await evaluator.evaluate("print('{\"score\": 2}')\n")
        #expect(warmUp.status == .success, "\(warmUp.failureReason ?? "")")

        let state = scratch.appendingPathComponent("gvisor/evolve-gvisor-\(getpid())/state")
        async let slow = evaluator.evaluate("import time\ntime.sleep(2)\nprint('{\"score\": 3}')\n")
        try await Task.sleep(for: .milliseconds(700))
        let containers = try await runsc(["--root", state.path, "list", "-quiet"]).split(separator: "\n").map(String.init)
        try #require(containers.count == 1, "expected the one warm sandbox, found \(containers)")
        // SIGKILL to the container's first process: the warm evaluator itself.
        _ = try await runsc(["--root", state.path, "kill", containers[0], "KILL"])
        let result = try await slow
        #expect(result.status == .success && result.score == 3, "\(result.status): \(result.failureReason ?? "")")
        let faults = sandbox.warmFaults
        #expect(faults.count == 1, "\(faults)")
        #expect(faults.first?.message.contains("ended during the evaluation") == true, "\(faults)")
        #expect(faults.first?.evaluatedCold == false)
        // The run takes each fault once, to store it beside the model faults.
        let taken = sandbox.takeFaults()
        #expect(taken.map(\.kind) == ["warm_evaluator"], "\(taken)")
        #expect(sandbox.takeFaults().isEmpty)

        let after = try await evaluator.evaluate("print('{\"score\": 4}')\n")
        #expect(after.status == .success && after.score == 4, "\(after.failureReason ?? "")")
        await sandbox.shutdown()
    }

    /// Runs runsc with `arguments`; its standard output.
    func runsc(_ arguments: [String]) async throws -> String {
        let result = try await Subprocess.run(
            .path(FilePath("/usr/bin/runsc")), arguments: Arguments(arguments), output: .string(limit: 1 << 16), error: .discarded)
        return result.standardOutput
    }
}
