import EvolveController
import EvolveCore
import EvolveLLM
import Foundation
import Logging

/// One run of a peer system (OpenEvolve, ShinkaEvolve) in an experiment: its released package in
/// a cached virtual environment, its own command line on a scratch copy of the problem, pointed at
/// the experiment's model server through a call meter that enforces the budget of model calls.
///
/// The work is done by `peer_arm.py` (embedded in this binary, written out before it runs): it
/// builds the environment, writes the scratch copy and the peer's configuration (the peer's
/// defaults as shipped, adapted only to use the server), meters the calls, runs the peer and reads
/// back what it left into `peer/result.json`. This type turns that into a `RunMeasurement`, kept
/// in the run's folder as `measurement.json`. Peers evaluate without a sandbox.
struct PeerArm: Sendable {
    var peer: ExperimentSpec.Peer
    var problem: Problem
    var directory: URL
    var budget: Int
    var seed: UInt64
    var server: (url: String, model: String)
    /// Where peer environments are cached (`~/.cache/evolve/peers`).
    var cache: URL
    var logger: Logger

    static let measurementFile = "measurement.json"

    /// The measurement a finished peer run left in `directory`, if any.
    static func storedMeasurement(in directory: URL) -> RunMeasurement? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(measurementFile)) else { return nil }
        return try? JSONDecoder().decode(RunMeasurement.self, from: data)
    }

    var work: URL { directory.appendingPathComponent("peer") }

    /// Runs the peer to its end and returns (and stores) what it did.
    /// A peer cannot resume: what an interrupted run left is removed and the peer starts again.
    func run(label: String) async throws -> RunMeasurement {
        try? FileManager.default.removeItem(at: work)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let driver = try writeDriver()
        let python = try await ensureEnvironment(driver: driver)
        let llm = problem.configuration.llm
        var arguments = [
            driver.path, "run", "--peer", peer.rawValue, "--venv-python", python, "--problem", problem.directory.path,
            "--work", work.path, "--upstream", server.url, "--model", server.model, "--budget", String(budget),
            "--seed", String(seed), "--temperature", String(llm.temperature), "--max-tokens", String(llm.maxTokens),
            "--llm-timeout", String(Int(llm.timeout)),
        ]
        if let topP = llm.topP { arguments += ["--top-p", String(topP)] }
        let status = try await PeerProcess.run("/usr/bin/python3", arguments, log: work.appendingPathComponent("driver.log"))
        let resultFile = work.appendingPathComponent("result.json")
        guard status == 0, let data = try? Data(contentsOf: resultFile) else {
            let tail = readTail(work.appendingPathComponent("driver.log"))
            throw PeerArmError("\(label): the peer driver ended with status \(status) and no result: \(tail)")
        }
        let result = try JSONDecoder().decode(PeerResult.self, from: data)
        let measurement = result.measurement(
            problem: ExperimentSpec.name(of: problem.directory), variant: directory.deletingLastPathComponent().lastPathComponent,
            seed: seed, directory: directory.path, goal: problem.configuration.goal)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(measurement).write(to: directory.appendingPathComponent(Self.measurementFile), options: .atomic)
        if let error = result.error { logger.warning("\(label): \(peer.rawValue) reported: \(error)") }
        return measurement
    }

    /// The embedded driver, written where the run can read it.
    private func writeDriver() throws -> URL {
        let url = work.appendingPathComponent("peer_arm.py")
        try Data(PackageResources.peer_arm_py).write(to: url, options: .atomic)
        return url
    }

    /// The peer's cached environment (built on first use); the path of its interpreter.
    private func ensureEnvironment(driver: URL) async throws -> String {
        let log = work.appendingPathComponent("environment.log")
        let status = try await PeerProcess.run(
            "/usr/bin/python3", [driver.path, "ensure", "--peer", peer.rawValue, "--cache", cache.path], log: log)
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard status == 0,
            let line = text.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
            let answer = try? JSONDecoder().decode([String: String].self, from: Data(line.utf8)), let python = answer["python"]
        else {
            throw PeerArmError(
                "could not install \(peer.package.name)==\(peer.package.version) from PyPI into \(cache.path): \(readTail(log))")
        }
        return python
    }

    private func readTail(_ url: URL) -> String {
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(3).joined(separator: " / ")
    }

    /// The model server every arm of an experiment uses, as an OpenAI-compatible base URL and a model name.
    static func server(
        for llm: LLMConfiguration, overrides: RunOverrides, environment: [String: String]
    ) throws -> (url: String, model: String) {
        switch llm.provider {
        case .bundled:
            guard let url = BundledModel.externalURL(environment) else {
                throw PeerArmError(
                    "a peer arm needs the bundled model on a server of its own: start llama-server (bash scripts/llama-server.sh) "
                        + "with the model's file and set EVOLVE_BUNDLED_URL to its /v1 address")
            }
            return (url, BundledModel.name)
        case .openai:
            return (OpenAIClient.resolveBaseURL(flag: overrides.openAIURL, environment: environment, configured: llm.url), llm.model)
        case .ollama:
            let base = OllamaEndpoint.resolve(flag: overrides.ollamaURL, environment: environment, configured: llm.url)
            return (base.hasSuffix("/") ? base + "v1" : base + "/v1", llm.model)
        }
    }

    /// `~/.cache/evolve/peers` (or under `XDG_CACHE_HOME`).
    static func defaultCache(environment: [String: String]) -> URL {
        EnvironmentCacheLocation.base(environment: environment).appendingPathComponent("evolve/peers")
    }
}

/// A peer arm could not run (its environment, its driver); the experiment records the run as failed.
struct PeerArmError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `$XDG_CACHE_HOME`, else `~/.cache`.
enum EnvironmentCacheLocation {
    static func base(environment: [String: String]) -> URL {
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") { return URL(fileURLWithPath: cache) }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".cache")
    }
}
