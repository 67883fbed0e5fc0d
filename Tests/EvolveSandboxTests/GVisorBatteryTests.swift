import EvolveCore
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// True when the gVisor tests can run. They must run in CI (which installs runsc); elsewhere they
/// are skipped, with a note, only when runsc is absent.
func gVisorAvailable() -> Bool {
    if FileManager.default.isExecutableFile(atPath: "/usr/bin/runsc"), getuid() == 0 { return true }
    if ProcessInfo.processInfo.environment["CI"] != nil {
        Issue.record("CI must run the gVisor tests: install runsc (scripts/setup.sh does) and run as root")
    } else {
        print("note: skipping a gVisor test: /usr/bin/runsc is not installed or this is not root (CI runs it)")
    }
    return false
}

/// A TCP listener on 127.0.0.1 that reports whether anyone connected.
final class Listener {
    let socket: Int32
    let port: Int

    init() throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        guard bound == 0, listen(socket, 16) == 0 else { throw CocoaError(.fileWriteUnknown) }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        _ = fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) | O_NONBLOCK)
        self.socket = socket
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// True if a connection is waiting to be accepted (the handshake completed).
    var wasConnected: Bool {
        let client = accept(socket, nil, nil)
        if client >= 0 { close(client); return true }
        return false
    }

    deinit { close(socket) }
}

@Suite("gVisor sandbox: hostile programs", .serialized)
struct GVisorBatteryTests {
    static let timeout = 3.0

    struct Hostile: CustomStringConvertible, Sendable {
        var name: String
        var code: String
        /// Statuses that count as the right failure.
        var statuses: Set<EvaluationResult.Status>
        /// Words one of which the failure reason must contain.
        var reasonMentions: [String]
        var description: String { name }
    }

    static func battery(port: Int, homeSecret: String, runSecret: String) -> [Hostile] {
        [
            Hostile(
                name: "fork bomb",
                code: "import os\nwhile True:\n    os.fork()\n",
                statuses: [.crashed, .timeout], reasonMentions: ["Resource temporarily unavailable", "BlockingIOError", "wall clock", "status"]),
            Hostile(
                name: "allocate 10 GB",
                code: "block = bytearray(10 * 1024 ** 3)\nprint('{\"score\": 1}')\n",
                statuses: [.crashed], reasonMentions: ["MemoryError", "SIGKILL"]),
            Hostile(
                name: "print 1 GB to standard output",
                code: "import sys\nchunk = 'x' * (1 << 20)\nfor _ in range(1024):\n    sys.stdout.write(chunk)\n",
                statuses: [.crashed, .timeout], reasonMentions: ["file-size limit", "wall clock"]),
            Hostile(
                name: "fill the tmpfs, then write elsewhere",
                code: """
                    import json
                    errors = []
                    try:
                        with open('/tmp/eval/fill', 'wb') as f:
                            for _ in range(64):
                                f.write(b'x' * (1 << 20))
                    except OSError as e:
                        errors.append(f'tmpfs errno {e.errno}')
                    for path in ['/problem/evil.py', '/usr/evil', '/evil', '/candidate/evil']:
                        try:
                            open(path, 'w').write('x')
                            errors.append(f'WROTE {path}')
                        except OSError as e:
                            errors.append(f'{path} errno {e.errno}')
                    print(json.dumps({'error': '; '.join(errors)}))

                    """,
                statuses: [.invalidResult], reasonMentions: ["tmpfs errno 28"]),
            Hostile(
                name: "connect to a listener on 127.0.0.1 and to an outside address",
                code: """
                    import json, socket
                    results = []
                    for host in ['127.0.0.1', '192.0.2.1']:
                        s = socket.socket()
                        s.settimeout(1)
                        try:
                            s.connect((host, \(port)))
                            results.append(f'CONNECTED {host}')
                        except OSError as e:
                            results.append(f'{host} failed: {e}')
                    print(json.dumps({'error': '; '.join(results)}))

                    """,
                statuses: [.invalidResult], reasonMentions: ["failed"]),
            Hostile(
                name: "read secrets in the host's home and in the run directory",
                code: """
                    import glob, json, os
                    found = []
                    for pattern in ['\(homeSecret)', '/root/.evolve-battery-*', '/problem/runs/*/*', '/problem/runs/*', '../runs/*/*']:
                        for path in glob.glob(pattern) or [pattern]:
                            try:
                                found.append(open(path).read())
                            except OSError as e:
                                pass
                    print(json.dumps({'error': 'found: ' + ' '.join(found) if found else 'nothing readable'}))

                    """,
                statuses: [.invalidResult], reasonMentions: ["nothing readable"]),
            Hostile(
                name: "an infinite loop", code: "while True:\n    pass\n",
                statuses: [.timeout], reasonMentions: ["wall clock"]),
            Hostile(
                name: "ignore SIGTERM",
                code: "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True:\n    pass\n",
                statuses: [.timeout], reasonMentions: ["wall clock"]),
            Hostile(
                name: "a detached child meant to outlive the evaluation",
                code: """
                    import os, time
                    if os.fork() == 0:
                        os.setsid()
                        if os.fork() == 0:
                            time.sleep(600)
                        os._exit(0)
                    print('{"error": "parent left a detached grandchild behind"}')

                    """,
                statuses: [.invalidResult], reasonMentions: ["detached"]),
            Hostile(
                name: "kill -9 -1",
                // From a child: as PID 1 of its sandbox the candidate itself would be spared.
                code: "import os, signal, time\nif os.fork() == 0:\n    os.kill(-1, signal.SIGKILL)\n    os._exit(0)\ntime.sleep(60)\n",
                // The sandbox's PID 1 ignores SIGKILL from inside, so the parent lives on until the wall clock.
                statuses: [.crashed, .timeout], reasonMentions: ["SIGKILL", "signal", "wall clock"]),
        ]
    }

    @Test("each hostile candidate is a recorded failure within timeout + 2 s, leaks nothing, leaves nothing, and good candidates still score")
    func battery() async throws {
        guard gVisorAvailable() else { return }
        let directory = try TemporaryDirectory(prefix: "evolve-battery")
        defer { directory.remove() }
        let token = UUID().uuidString
        let homeSecret = "/root/.evolve-battery-\(token)"
        let runSecret = "run-secret-\(token)"
        try "home-secret-\(token)".write(toFile: homeSecret, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: homeSecret) }
        try directory.write([
            "evolve.yaml": "program: candidate.py\nevaluator:\n  command: python3 {program}\nsandbox:\n  timeout: \(Self.timeout)\n  memory_mb: 256\n",
            "candidate.py": "print('{\"score\": 42}')\n",
            "runs/20260101-000000/secret.txt": runSecret,
        ])
        let problem = try Problem.load(from: directory.url)
        let sandbox = GVisorSandbox(temporaryRoot: directory.url.appendingPathComponent("gvisor"))
        try FileManager.default.createDirectory(at: directory.url.appendingPathComponent("gvisor"), withIntermediateDirectories: true)
        try await sandbox.checkAvailability()
        let evaluator = Evaluator(sandbox: sandbox, problem: problem)
        let listener = try Listener()

        for hostile in Self.battery(port: listener.port, homeSecret: homeSecret, runSecret: runSecret) {
            let started = Date()
            let result = try await evaluator.evaluate(hostile.code)
            let elapsed = Date().timeIntervalSince(started)
            let reason = result.failureReason ?? ""
            #expect(hostile.statuses.contains(result.status), "\(hostile): \(result.status) — \(reason)")
            #expect(hostile.reasonMentions.contains { reason.contains($0) }, "\(hostile): \(reason)")
            #expect(elapsed < Self.timeout + 2, "\(hostile) took \(elapsed) s")
            let everything = [reason, result.stdoutTail, result.stderrTail, "\(result.metrics)", "\(result.artifacts)"].joined()
            #expect(!everything.contains(token), "\(hostile): a secret leaked")
            #expect(!everything.contains("WROTE"), "\(hostile): wrote outside the tmpfs")
            #expect(!everything.contains("CONNECTED"), "\(hostile): a connection went through")
            try await expectNothingLeft(sandbox: sandbox, directory: directory.url, after: hostile.name)

            let good = try await evaluator.evaluate("print('{\"score\": 42}')\n")
            #expect(good.status == .success && good.score == 42, "a good candidate after \(hostile): \(good.failureReason ?? "")")
        }
        #expect(!listener.wasConnected, "the host's listener saw a connection")
        await sandbox.shutdown()
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("gvisor/evolve-gvisor-\(getpid())").path))
    }

    @Test("result.json in /tmp/eval wins over standard output, and the candidate's files are read-only")
    func resultFile() async throws {
        guard gVisorAvailable() else { return }
        let directory = try TemporaryDirectory(prefix: "evolve-gvisor-result")
        defer { directory.remove() }
        try directory.write([
            "evolve.yaml": "program: candidate.py\nevaluator:\n  command: python3 evaluate.py {program}\n",
            "candidate.py": "VALUE = 1\n",
            "evaluate.py": """
                import json, os, sys
                value = open(sys.argv[1]).read()
                try:
                    open(sys.argv[1], 'w').write('changed')
                    writable = True
                except OSError:
                    writable = False
                json.dump({"score": 7, "metrics": {"writable": writable, "cwd": os.getcwd()}}, open(os.environ["EVOLVE_EVAL_DIR"] + "/result.json", "w"))
                print('{"score": 1}')
                """,
        ])
        let problem = try Problem.load(from: directory.url)
        let root = directory.url.appendingPathComponent("gvisor")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let sandbox = GVisorSandbox(temporaryRoot: root)
        let result = try await Evaluator(sandbox: sandbox, problem: problem).evaluate("VALUE = 2\n")
        await sandbox.shutdown()
        #expect(result.status == .success, "\(result.failureReason ?? "")")
        #expect(result.score == 7)
        #expect(result.metrics["writable"] == .bool(false))
        #expect(result.metrics["cwd"] == .string("/problem"))
        #expect(!result.stdoutTail.contains("evolve:result.json"))
    }

    /// No container, sandbox process, bundle, mount or cgroup of this sandbox remains.
    func expectNothingLeft(sandbox: GVisorSandbox, directory: URL, after name: String) async throws {
        let base = directory.appendingPathComponent("gvisor/evolve-gvisor-\(getpid())")
        // Give a killed sandbox's last processes a moment to be reaped.
        var processes = true
        for _ in 0..<40 {
            processes = ProcessTable.contains(base.path)
            if !processes { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(!processes, "\(name): a runsc process is still running")
        let jobs = (try? FileManager.default.contentsOfDirectory(atPath: base.appendingPathComponent("jobs").path)) ?? []
        #expect(jobs.isEmpty, "\(name): bundles left: \(jobs)")
        let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        #expect(!mounts.contains(base.path), "\(name): a mount is left")
        for controller in ["memory", "pids", "cpu"] {
            let cgroups = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup/\(controller)/evolve")) ?? []
            #expect(!cgroups.contains { $0.hasPrefix(sandbox.containerPrefix) }, "\(name): \(controller) cgroups left: \(cgroups)")
        }
        let state = (try? FileManager.default.contentsOfDirectory(atPath: base.appendingPathComponent("state").path)) ?? []
        #expect(state.filter { !$0.hasPrefix(".") }.isEmpty, "\(name): runsc state left: \(state)")
    }
}
