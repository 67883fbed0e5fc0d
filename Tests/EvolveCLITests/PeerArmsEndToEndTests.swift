import EvolveTesting
import Foundation
import Testing

/// `evolve experiment experiments/peers-smoke.yaml`: Evolve, OpenEvolve 0.4.0 and ShinkaEvolve
/// 0.0.7 on one problem against a scripted model served on a loopback port, 2 model calls each.
/// Each peer runs as its own command line (installed from PyPI into a cached environment), its
/// calls go through the call meter, and what it left is read back into the report.
@Suite("Peer arms in evolve experiment", .serialized)
struct PeerArmsEndToEndTests {
    static let spec = PackagePaths.root.appendingPathComponent("experiments/peers-smoke.yaml")
    static let peers = ["openevolve", "shinkaevolve"]

    /// SEARCH/REPLACE answers that move one of the three numbers toward the hidden point.
    static func server() async throws -> LoopbackLLMServer {
        try await LoopbackLLMServer.start { request in
            let (name, value) = [("a", "1.0"), ("b", "2.0"), ("c", "3.0")][request.index % 3]
            return .answer("Closer.\n<<<<<<< SEARCH\n    \(name) = 0.0\n=======\n    \(name) = \(value)\n>>>>>>> REPLACE")
        }
    }

    @Test(
        "each peer makes exactly its budget of calls through the meter, and its runs are read back into the report",
        .enabled(if: TestEnvironment.runsPeerTests, "needs python3 with venv and PyPI to install the peers"))
    func smoke() async throws {
        let out = try TemporaryDirectory(prefix: "evolve-peers")
        defer { out.remove() }
        let server = try await Self.server()
        var arguments = ["experiment", Self.spec.path, "--out", out.url.path, "--ollama-url", server.url]
        if !TestEnvironment.runsGVisorTests { arguments += ["--sandbox", "process"] }
        let run = try runEvolve(arguments, timeout: 1500)
        let requests = server.requests
        await server.shutdown()
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("experiment: 3/3 done"), "\(run.stderr)")
        // Evolve asks through Ollama's API; the peers through the meter, which forwards OpenAI's.
        #expect(requests.filter { $0.format == .ollama }.count == 2)
        #expect(requests.filter { $0.format == .openai }.count == 2 * Self.peers.count, "\(requests.map(\.path))")

        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: out.url.appendingPathComponent("report.json"))) as? [String: Any]
        let problem = try #require((report?["problems"] as? [[String: Any]])?.first)
        let variants = try #require(problem["variants"] as? [[String: Any]])
        #expect(Set(variants.compactMap { $0["variant"] as? String }) == ["evolve", "openevolve", "shinkaevolve"])
        for variant in variants where Self.peers.contains(variant["variant"] as? String ?? "") {
            let name = variant["variant"] as? String ?? ""
            #expect(variant["model_calls"] as? Int == 2, "\(name): \(variant)")
            #expect((variant["peer"] as? String)?.hasPrefix(name) == true, "\(name): \(variant)")
            let best = try #require((variant["best_at_calls"] as? [String: Any])?["2"] as? [String: Any], "\(name)")
            #expect(best["median"] as? Double != nil, "\(name): no best score read back")
            let measurement = out.url.appendingPathComponent("runs/three_numbers/\(name)/seed-1/measurement.json")
            #expect(FileManager.default.fileExists(atPath: measurement.path), "\(name): no measurement.json")
        }
        let markdown = try String(contentsOf: out.url.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(markdown.contains("run without a sandbox"), "the report says plainly that peers are not sandboxed")
        #expect(markdown.contains("| openevolve |") && markdown.contains("| shinkaevolve |"))
    }

    @Test(
        "Ctrl-C during a peer run stops the peer and its evaluators at once; the run is interrupted, not finished",
        .enabled(if: TestEnvironment.runsPeerTests, "needs python3 with venv and PyPI to install the peers"))
    func interruptStopsThePeer() async throws {
        let out = try TemporaryDirectory(prefix: "evolve-peers-interrupt")
        defer { out.remove() }
        // Evolve's calls (Ollama's API) are answered at once, the peers' (OpenAI's) after a minute.
        let server = try await LoopbackLLMServer.start { request in
            let answer = LoopbackLLMServer.Reply.answer("Closer.\n<<<<<<< SEARCH\n    a = 0.0\n=======\n    a = 1.0\n>>>>>>> REPLACE")
            return request.format == .openai ? .delayed(seconds: 60, answer) : answer
        }
        var arguments = ["experiment", Self.spec.path, "--out", out.url.path, "--ollama-url", server.url]
        if !TestEnvironment.runsGVisorTests { arguments += ["--sandbox", "process"] }
        let running = try startEvolve(arguments)
        let deadline = Date().addingTimeInterval(600)
        while Date() < deadline, running.process.isRunning, !server.requests.contains(where: { $0.format == .openai }) {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(server.requests.contains { $0.format == .openai }, "the peer never asked the model")
        let interrupted = Date()
        kill(running.process.processIdentifier, SIGINT)
        running.process.waitUntilExit()
        let result = running.result(seconds: Date().timeIntervalSince(interrupted))
        await server.shutdown()
        #expect(result.status == 130, "stderr: \(result.stderr)")
        #expect(result.seconds < 30, "it does not wait for the peer's model answer")
        #expect(result.stderr.contains("three_numbers/openevolve/seed-1: interrupted"), "\(result.stderr)")
        let run = out.url.appendingPathComponent("runs/three_numbers/openevolve/seed-1")
        #expect(!FileManager.default.fileExists(atPath: run.appendingPathComponent("finished.json").path))
        var left = ProcessTable.contains(run.path)
        for _ in 0..<50 where left {  // a killed process leaves /proc a moment later
            try await Task.sleep(for: .milliseconds(100))
            left = ProcessTable.contains(run.path)
        }
        #expect(!left, "a peer process outlived the experiment: \(ProcessTable.commands(containing: run.path))")
    }
}
