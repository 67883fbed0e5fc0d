import Foundation

/// The Docker Engine API's bodies that Evolve sends and reads (API v1.41), as typed values: field
/// names as the engine spells them.
enum DockerAPI {
    /// The body of `POST /containers/create`.
    struct ContainerCreate: Encodable, Sendable {
        var Image: String
        var Cmd: [String]
        var Entrypoint: [String]
        var WorkingDir: String
        var User: String
        var Env: [String]
        var Hostname: String
        var NetworkDisabled: Bool
        var AttachStdin = false
        var OpenStdin = false
        var Tty = false
        var Labels: [String: String]
        var HostConfig: HostConfig
    }

    struct HostConfig: Encodable, Sendable {
        var NetworkMode: String
        var ReadonlyRootfs: Bool
        var Tmpfs: [String: String]
        var Memory: Int
        var MemorySwap: Int
        var NanoCpus: Int
        var PidsLimit: Int
        var CapDrop: [String]
        var SecurityOpt: [String]
        var Ulimits: [Ulimit]
        var Mounts: [Mount]
        var Runtime: String?
    }

    struct Ulimit: Encodable, Sendable {
        var Name: String
        var Soft: Int
        var Hard: Int
    }

    struct Mount: Encodable, Sendable {
        var `Type` = "bind"
        var Source: String
        var Target: String
        var ReadOnly = true

        /// A read-only bind of a host path.
        static func bind(_ source: String, _ target: String) -> Mount { Mount(Source: source, Target: target) }
    }

    /// `POST /containers/{id}/wait`.
    struct WaitResponse: Decodable { var StatusCode: Int }

    /// The part of `GET /containers/{id}/json` that Evolve reads.
    struct ContainerInspect: Decodable {
        struct State: Decodable {
            var OOMKilled: Bool?
            var ExitCode: Int?
        }

        var State: State?
    }

    /// One entry of `GET /containers/json`.
    struct ContainerSummary: Decodable {
        var Id: String
        var Labels: [String: String]?
    }

    /// The part of `GET /info` that Evolve reads: the names of the engine's runtimes.
    struct Info: Decodable {
        struct Anything: Decodable {}
        var Runtimes: [String: Anything]?
    }

    /// The engine's error body.
    struct ErrorResponse: Decodable { var message: String }
}
