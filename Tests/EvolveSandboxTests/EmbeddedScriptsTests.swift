import EvolveTesting
import Foundation
import Testing

@testable import EvolveSandbox

/// The Python the sandbox runs lives in files of its own, embedded in the binary at build time.
@Suite("The embedded Python scripts")
struct EmbeddedScriptsTests {
    struct Script: Sendable, CustomTestStringConvertible {
        var path: String
        var embedded: [UInt8]
        var text: String
        var testDescription: String { path }
    }

    static let scripts = [
        Script(path: "Sources/EvolveSandbox/GVisor/evolve-supervisor.py", embedded: PackageResources.evolve_supervisor_py, text: GVisorSupervisor.script),
        Script(path: "Sources/EvolveSandbox/openevolve-bridge.py", embedded: PackageResources.openevolve_bridge_py, text: OpenEvolveBridge.script),
    ]

    @Test("the binary carries the file as it is, and python3 compiles it", arguments: scripts)
    func compiles(_ script: Script) throws {
        let file = PackagePaths.root.appendingPathComponent(script.path)
        let onDisk = try Data(contentsOf: file)
        #expect(Data(script.embedded) == onDisk)
        #expect(Data(script.text.utf8) == onDisk)
        let check = try SourceChecker.python(file)
        #expect(check.status == 0, "\(check.errors)")
    }
}
