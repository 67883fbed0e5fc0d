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
}
