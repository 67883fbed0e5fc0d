import EvolveCore
import EvolveSandbox
import EvolveTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A TCP listener on 127.0.0.1, or a unix socket listening at a path, that reports whether anyone connected.
final class Listener {
    let socket: Int32
    /// The TCP port; 0 for a unix socket.
    let port: Int

    init(unixPath path: String) throws {
        let socket = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { bytes in
            for (index, byte) in path.utf8.enumerated() where index < bytes.count - 1 { bytes[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(socket, 16) == 0 else { throw CocoaError(.fileWriteUnknown) }
        _ = chmod(path, 0o777)
        _ = fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) | O_NONBLOCK)
        self.socket = socket
        port = 0
    }

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

/// Hostile candidates run through an isolating backend, each followed by a well-behaved one.
enum HostileBattery {
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

    static func battery(port: Int, homeSecret: String, runSecret: String, apiKey: String, environmentRoot: String?) -> [Hostile] {
        let writeTargets = ["/problem/evil.py", "/usr/evil", "/evil", "/candidate/evil"] + (environmentRoot.map { ["\($0)/evil", "\($0)/bin/evil"] } ?? [])
        return [
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
                    for path in \(writeTargets):
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
                name: "read the problem directory's .env, .git and every file under /problem",
                code: """
                    import json, os
                    paths = ['/problem/.env', '.env', '/problem/.git/config', '/problem/sub/.ssh/id_rsa']
                    for folder, _, names in os.walk('/problem'):
                        paths += [os.path.join(folder, name) for name in names]
                    leaked = []
                    for path in paths:
                        try:
                            # The first MiB, as text: this test's scratch (the sandbox's own /etc links) holds big binaries too.
                            if 'dotenv-' + 'secret' in open(path, errors='replace').read(1 << 20):
                                leaked.append(path)
                        except OSError:
                            pass
                    print(json.dumps({'error': f'leaked from {leaked}' if leaked else 'no secret readable'}))

                    """,
                statuses: [.invalidResult], reasonMentions: ["no secret readable"]),
            Hostile(
                name: "print an API key value Evolve holds to both streams and into the failure reason",
                code: "import sys\nprint('key: \(apiKey)')\nprint('key: \(apiKey)', file=sys.stderr)\nprint('{\"error\": \"bad key \(apiKey)\"}')\n",
                statuses: [.invalidResult], reasonMentions: ["bad key [redacted]"]),
            Hostile(
                name: "result.json as a link to the host's secret",
                code: "import os\nos.symlink('\(homeSecret)', '/tmp/eval/result.json')\nprint('{\"error\": \"linked\"}')\n",
                statuses: [.invalidResult], reasonMentions: ["linked"]),
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
                name: "leave a file, a shared-memory segment and a process for the next candidate",
                code: """
                    import ctypes, os, time
                    open('/tmp/eval/left-behind', 'w').write('x')
                    ctypes.CDLL(None).shmget(0x5EC2E7, 4096, 0o1666)
                    if os.fork() == 0:
                        time.sleep(600)
                    print('{"error": "left things behind"}')

                    """,
                statuses: [.invalidResult], reasonMentions: ["left things behind"]),
            Hostile(
                name: "kill -9 -1",
                // From a child: as PID 1 of its sandbox the candidate itself would be spared.
                code: "import os, signal, time\nif os.fork() == 0:\n    os.kill(-1, signal.SIGKILL)\n    os._exit(0)\ntime.sleep(60)\n",
                // The sandbox's PID 1 ignores SIGKILL from inside, so the parent lives on until the wall clock.
                statuses: [.crashed, .timeout], reasonMentions: ["SIGKILL", "signal", "wall clock"]),
        ]
    }

    /// A well-behaved candidate that scores 42 only if nothing of an earlier candidate is visible:
    /// no file in /tmp/eval, no shared-memory segment, no process but itself and its ancestors.
    /// With an environment, the probe also checks that it runs on that environment's interpreter.
    static func probe(environment: EvaluatorEnvironment?) -> String {
        guard let environment else { return probe }
        return "import sys\nif sys.prefix != '\(environment.root.path)':\n    print('{\"error\": \"not the environment: ' + sys.prefix + '\"}')\n    sys.exit(0)\n" + probe
    }

    static let probe = """
        import ctypes, json, os
        left = os.listdir('/tmp/eval') if os.path.isdir('/tmp/eval') else []
        if ctypes.CDLL(None).shmget(0x5EC2E7, 0, 0) != -1:
            left.append('shared memory')
        mine, pid = set(), os.getpid()
        while pid > 0:
            mine.add(pid)
            status = open(f'/proc/{pid}/status').read()
            pid = int(status.split('PPid:')[1].split()[0])
        for entry in os.listdir('/proc'):
            if entry.isdigit() and int(entry) not in mine:
                left.append(open(f'/proc/{entry}/cmdline').read().replace('\\0', ' '))
        print(json.dumps({'error': f'left behind: {left}'} if left else {'score': 42}))

        """

    /// Runs every hostile candidate through `sandbox` in one problem directory that holds a secret in
    /// `runs/`, with a second secret in the host's home, and checks each outcome; `nothingLeft`
    /// checks the backend's own leftovers after each.
    static func run(
        sandbox: any Sandbox, directory: TemporaryDirectory, environment: EvaluatorEnvironment? = nil, gateway: ModelGateway? = nil,
        nothingLeft: (String) async throws -> Void
    ) async throws {
        let token = UUID().uuidString
        let apiKey = "sk-battery-\(token)"
        let homeSecret = "/root/.evolve-battery-\(token)"
        let runSecret = "run-secret-\(token)"
        try "home-secret-\(token)".write(toFile: homeSecret, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: homeSecret) }
        try directory.write([
            "evolve.yaml": "program: candidate.py\nevaluator:\n  command: python3 {program}\nsandbox:\n  timeout: \(Self.timeout)\n  memory_mb: 256\n",
            "candidate.py": "print('{\"score\": 42}')\n",
            "runs/20260101-000000/secret.txt": runSecret,
            ".env": "OPENAI_API_KEY=dotenv-secret-\(token)\n",
            ".git/config": "[remote]\n  token = dotenv-secret-\(token)\n",
            "sub/.ssh/id_rsa": "dotenv-secret-\(token)\n",
        ])
        let problem = try Problem.load(from: directory.url)
        try await sandbox.checkAvailability()
        var evaluator = Evaluator(sandbox: sandbox, problem: problem, environment: environment, scrubber: SecretScrubber(secrets: [apiKey]))
        evaluator.gateway = gateway
        let listener = try Listener()

        let battery = Self.battery(port: listener.port, homeSecret: homeSecret, runSecret: runSecret, apiKey: apiKey, environmentRoot: environment?.root.path)
        for hostile in battery {
            let started = Date()
            let result = try await evaluator.evaluate(hostile.code)
            let elapsed = Date().timeIntervalSince(started)
            let reason = result.failureReason ?? ""
            print("battery: \(sandbox.name), \(hostile): \(result.status) after \(String(format: "%.2f", elapsed)) s")
            #expect(hostile.statuses.contains(result.status), "\(sandbox.name), \(hostile): \(result.status) — \(reason)")
            #expect(hostile.reasonMentions.contains { reason.contains($0) }, "\(sandbox.name), \(hostile): \(reason)")
            #expect(elapsed < Self.timeout + 2, "\(sandbox.name), \(hostile) took \(elapsed) s")
            let everything = [reason, result.stdoutTail, result.stderrTail, "\(result.metrics)", "\(result.artifacts)"].joined()
            #expect(!everything.contains(token), "\(sandbox.name), \(hostile): a secret leaked")
            #expect(!everything.contains("WROTE"), "\(sandbox.name), \(hostile): wrote outside the tmpfs")
            #expect(!everything.contains("CONNECTED"), "\(sandbox.name), \(hostile): a connection went through")
            try await nothingLeft(hostile.name)

            let good = try await evaluator.evaluate(Self.probe(environment: environment))
            #expect(good.status == .success && good.score == 42, "\(sandbox.name), a good candidate after \(hostile): \(good.failureReason ?? "")")
        }
        #expect(!listener.wasConnected, "\(sandbox.name): the host's listener saw a connection")
    }

    /// What every container backend promises a well-behaved evaluator: it runs under gVisor as
    /// uid 65534 in /problem, the candidate is read-only, result.json wins over standard output,
    /// and each output stream keeps its own last `output_kb`.
    static func expectContainerContract(sandbox: any Sandbox, directory: TemporaryDirectory) async throws {
        try directory.write([
            // Not a timing test: under gVisor's ptrace platform every write is a costly system
            // call, and a slow CI machine once needed more than the default 10 s for this output.
            "evolve.yaml": "program: candidate.py\nevaluator:\n  command: python3 evaluate.py {program}\nsandbox:\n  output_kb: 4\n  timeout: 60\n",
            "candidate.py": "VALUE = 1\n",
            "evaluate.py": """
                import json, os, platform, sys
                value = open(sys.argv[1]).read()
                try:
                    open(sys.argv[1], 'w').write('changed')
                    writable = True
                except OSError:
                    writable = False
                # 110 KB per stream, interleaved in blocks of 500 lines: more than one read chunk,
                # in 80 writes rather than one per line.
                for block in range(0, 20000, 500):
                    for stream, first in ((sys.stdout, block), (sys.stderr, block + 1)):
                        stream.write(''.join(f'line {i:05d}\\n' for i in range(first, block + 500, 2)))
                        stream.flush()
                result = {"score": 7, "metrics": {"writable": writable, "cwd": os.getcwd(), "kernel": platform.release(), "uid": os.getuid()}}
                json.dump(result, open(os.environ["EVOLVE_EVAL_DIR"] + "/result.json", "w"))
                print('{"score": 1}')
                """,
        ])
        let problem = try Problem.load(from: directory.url)
        let result = try await Evaluator(sandbox: sandbox, problem: problem).evaluate("VALUE = 2\n")
        #expect(result.status == .success, "\(result.failureReason ?? "")")
        #expect(result.score == 7)
        #expect(result.metrics["writable"] == .bool(false))
        #expect(result.metrics["cwd"] == .string("/problem"))
        #expect(result.metrics["uid"] == .number(65534))
        // gVisor's kernel reports itself as Linux 4.4.0, whatever the host runs.
        #expect(result.metrics["kernel"] == .string("4.4.0"), "not running under runsc: \(result.metrics)")
        // The last 4 KiB of each stream, split correctly between them across frames and chunks.
        #expect(result.stdoutTail.hasSuffix("line 19998\n{\"score\": 1}\n"), "\(result.stdoutTail.suffix(60))")
        #expect(result.stderrTail.hasSuffix("line 19999\n"), "\(result.stderrTail.suffix(60))")
        #expect(!result.stdoutTail.contains("line 19999"))
        #expect(!result.stderrTail.contains("line 19998"))
        #expect(result.stdoutTail.utf8.count <= 4096)
        #expect(!result.stdoutTail.contains("evolve:result.json"))
    }
}
