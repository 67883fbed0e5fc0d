import Foundation

/// The part of an OCI runtime configuration (a bundle's `config.json`) that Evolve writes for
/// `runsc run`: field names as the OCI runtime specification 1.0.2 spells them.
struct OCIRuntimeSpec: Encodable, Sendable {
    struct User: Encodable, Sendable {
        var uid: Int
        var gid: Int
    }

    struct Capabilities: Encodable, Sendable {
        var bounding: [String]
        var effective: [String]
        var inheritable: [String] = []
        var permitted: [String]
        var ambient: [String] = []

        /// These capabilities bounding, effective and permitted; none inheritable or ambient.
        init(_ names: [String]) {
            bounding = names
            effective = names
            permitted = names
        }
    }

    struct Rlimit: Encodable, Sendable {
        var type: String
        var soft: Int
        var hard: Int
    }

    struct Process: Encodable, Sendable {
        var terminal = false
        var user: User
        var args: [String]
        var cwd: String
        var env: [String]
        var capabilities: Capabilities
        var rlimits: [Rlimit]
        var noNewPrivileges: Bool
    }

    struct Root: Encodable, Sendable {
        var path: String
        var readonly: Bool
    }

    struct Mount: Encodable, Sendable {
        var destination: String
        var type: String
        var source: String
        var options: [String]

        /// A read-only bind of a host path.
        static func bind(_ destination: String, _ source: String) -> Mount {
            Mount(destination: destination, type: "bind", source: source, options: ["rbind", "ro", "nosuid", "nodev"])
        }

        static func writableBind(_ destination: String, _ source: String) -> Mount {
            Mount(destination: destination, type: "bind", source: source, options: ["rbind", "rw", "nosuid", "nodev"])
        }

        static func tmpfs(_ destination: String, size: String, mode: String) -> Mount {
            Mount(destination: destination, type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "size=\(size)", "mode=\(mode)"])
        }

        static let proc = Mount(destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"])
    }

    struct Namespace: Encodable, Sendable {
        var type: String
    }

    struct Resources: Encodable, Sendable {
        struct Memory: Encodable, Sendable { var limit: Int }
        struct Pids: Encodable, Sendable { var limit: Int }
        struct CPU: Encodable, Sendable {
            var quota: Int
            var period: Int
        }

        var memory: Memory
        var pids: Pids
        var cpu: CPU
    }

    struct Linux: Encodable, Sendable {
        var namespaces: [Namespace]
        var cgroupsPath: String
        var resources: Resources
        var maskedPaths: [String]
        var readonlyPaths: [String]
    }

    var ociVersion = "1.0.2"
    var process: Process
    var root: Root
    var hostname: String
    var mounts: [Mount]
    var linux: Linux

    /// The file runsc reads.
    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }
}
