import EvolveLLM
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Evolve's offline model: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M) served by llama-cpp-python's
/// OpenAI-compatible server, installed once by `scripts/install-model.sh` into the cache
/// (`EVOLVE_CACHE`, default `~/.cache/evolve`). The server answers one request at a time, so runs
/// on it keep one model request in flight.
public struct BundledModel: Sendable {
    public static let name = "qwen2.5-coder-1.5b-instruct"
    public var cache: URL

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let path = environment["EVOLVE_CACHE"], !path.isEmpty {
            cache = URL(fileURLWithPath: path)
        } else {
            cache = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/evolve")
        }
    }

    public var python: URL { cache.appendingPathComponent("venv/bin/python") }
    public var modelFile: URL { cache.appendingPathComponent("models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf") }

    /// `EVOLVE_BUNDLED_URL`: an OpenAI-compatible server already serving the bundled model's file
    /// (for instance llama.cpp's `llama-server` with parallel slots, shared by several runs), used
    /// instead of starting one per run.
    public static func externalURL(_ environment: [String: String]) -> String? {
        guard let url = environment["EVOLVE_BUNDLED_URL"], !url.isEmpty else { return nil }
        return url
    }

    public var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: python.path) && FileManager.default.fileExists(atPath: modelFile.path)
    }

    /// Starts the server on a free loopback port and waits until it answers. The server dies with
    /// this process (even if it is killed), and `stop()` ends it.
    public func start(contextLength: Int, logger: Logger) async throws -> BundledModelServer {
        guard isInstalled else {
            throw LLMError(.unreachable, "the bundled model is not installed in \(cache.path): run `bash scripts/install-model.sh` (about 10 minutes, once)")
        }
        let port = try Self.freePort()
        let log = cache.appendingPathComponent("server.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = python
        // Ask the kernel to SIGTERM the server when evolve exits, however it exits; then become the server.
        process.arguments = [
            "-c",
            "import ctypes, os, sys; ctypes.CDLL(None).prctl(1, 15); "
                + "os.execv(sys.executable, [sys.executable, '-m', 'llama_cpp.server'] + sys.argv[1:])",
            "--model", modelFile.path, "--host", "127.0.0.1", "--port", String(port), "--n_ctx", String(contextLength),
            "--n_threads", String(max(1, ProcessInfo.processInfo.activeProcessorCount)),
            // By default the server cuts off the answer in progress when another request arrives.
            "--interrupt_requests", "False",
        ]
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let server = BundledModelServer(process: process, baseURL: "http://127.0.0.1:\(port)/v1")
        let probe = OpenAIClient(configuration: .init(endpoint: server.baseURL, model: Self.name), logger: logger)
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline {
            if !process.isRunning {
                let tail = (try? String(contentsOf: log, encoding: .utf8)).map { String($0.suffix(600)) } ?? ""
                throw LLMError(.unreachable, "the bundled model server stopped while starting (log \(log.path)): \(tail)")
            }
            if (try? await probe.checkAvailability()) != nil {
                logger.info("bundled model ready", metadata: ["llm.endpoint": "\(server.baseURL)"])
                return server
            }
            try await Task.sleep(for: .milliseconds(300))
        }
        server.stop()
        throw LLMError(.timeout, "the bundled model server did not answer within 180 s (log \(log.path))")
    }

    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        guard bound == 0 else { throw LLMError(.unreachable, "no free loopback port for the bundled model server") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A running bundled model server.
public final class BundledModelServer: @unchecked Sendable {
    // @unchecked: Process is not Sendable; it is only started in `BundledModel.start` and then
    // only terminated and awaited here, which Foundation allows from any thread.
    private let process: Process
    public let baseURL: String

    init(process: Process, baseURL: String) {
        self.process = process
        self.baseURL = baseURL
    }

    /// Ends the server: SIGTERM, then SIGKILL after 5 s.
    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
