import EvolveCore
import Foundation
import Testing

@testable import EvolveExperiment

/// The peer arms' driver is Python in a file of its own, embedded in the binary at build time.
@Suite("The embedded peer driver")
struct PeerDriverTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/EvolveExperiment/Peers/peer_arm.py")

    @Test("the binary carries the file as it is, and python3 compiles it")
    func compiles() throws {
        #expect(Data(PackageResources.peer_arm_py) == (try Data(contentsOf: Self.file)))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-pycache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cache) }
        process.environment = ["PYTHONPYCACHEPREFIX": cache.path]
        process.arguments = ["-m", "py_compile", Self.file.path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test("a peer's result becomes the report's measurement: best after each call, programs attributed to the calls before them")
    func measurement() throws {
        let json = """
            {"peer": "openevolve", "version": "0.4.0", "initial_score": 1.0,
             "calls": [{"status": 200, "prompt_tokens": 10, "completion_tokens": 5}, {"status": 200, "prompt_tokens": 10, "completion_tokens": 5},
                       {"status": 502, "prompt_tokens": null, "completion_tokens": null}],
             "programs": [{"score": 3.0, "valid": true, "calls_before": 2}, {"score": 9.0, "valid": false, "calls_before": 1}],
             "proposals_without_program": 1, "error": null, "wall_seconds": 12.5}
            """
        let result = try JSONDecoder().decode(PeerResult.self, from: Data(json.utf8))
        let measurement = result.measurement(
            problem: "p", variant: "openevolve", seed: 1, directory: "/d", goal: .init(direction: .maximize, target: 3.0))
        #expect(measurement.best == [1.0, 3.0, 3.0], "an invalid program never counts; a valid one from call 2 on")
        #expect(measurement.tokens == [15, 30, 30])
        #expect(measurement.modelCalls == 3 && measurement.answers == 2 && measurement.children == 2)
        #expect(measurement.callsToTarget == 2)
        #expect(measurement.rejections == ["no_program": 1, "model_error": 1])
        #expect(measurement.peer == "openevolve 0.4.0")
    }

    /// Runs the wrapper a peer calls on an evaluator that starts a long-lived child, then kills the
    /// wrapper's process as a peer's job timeout would (SIGKILL), or lets the evaluation end.
    static let reaperCheck = #"""
        import importlib.util, json, os, signal, subprocess, sys, tempfile, time
        spec = importlib.util.spec_from_file_location("peer_arm", sys.argv[1])
        arm = importlib.util.module_from_spec(spec); spec.loader.exec_module(arm)
        work = tempfile.mkdtemp()
        with open(os.path.join(work, "ev.py"), "w") as f:
            f.write("import subprocess, sys, time\n"
                    "child = subprocess.Popen(['sleep', '300'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
                    "open('pids', 'w').write(f'{child.pid}\\n')\n"
                    "print('{\"score\": 1}', flush=True)\n"
                    "time.sleep(300 if sys.argv[2] == 'hang' else 0)\n")
        settings = {"problem_dir": work, "command": "python3 ev.py {program} " + sys.argv[2], "stages": [], "timeout": 60,
                    "direction": "maximize", "fail_score": 0, "path": "/usr/bin:/bin", "env": {}, "total_timeout": 60}
        with open(os.path.join(work, "settings.json"), "w") as f:
            json.dump(settings, f)
        with open(os.path.join(work, "wrapper.py"), "w") as f:
            f.write(arm.WRAPPER_CORE.replace("__SETTINGS_PATH__", repr(os.path.join(work, "settings.json"))).replace("__TOKEN_VAR__", "EVOLVE_T"))
        job = subprocess.Popen([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import wrapper; "
                                "print(wrapper._run(wrapper.SETTINGS['command'], 'p.py', 60)['ok'])", work])
        pids = os.path.join(work, "pids")
        for _ in range(200):
            if os.path.exists(pids) and open(pids).read().endswith("\n"):
                break
            time.sleep(0.05)
        child = int(open(pids).read())
        if sys.argv[2] == "hang":
            time.sleep(0.3)
            job.kill()
        job.wait()
        for _ in range(60):
            try:
                os.kill(child, 0)
            except ProcessLookupError:
                print("gone"); sys.exit(0)
            time.sleep(0.1)
        os.kill(child, signal.SIGKILL)
        print("alive")
        """#

    @Test(
        "an evaluation outlives neither the wrapper's SIGKILL (a peer's job timeout) nor its own end: its children are killed",
        arguments: ["hang", "end"])
    func reaper(mode: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", Self.reaperCheck, Self.file.path, mode]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(output.hasSuffix("gone\n"), "\(output)")
    }
}
