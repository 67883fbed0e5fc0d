import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real engine that speaks the Docker API, for tests of the Docker backend: `podman system
/// service` on a private socket, with gVisor's runsc as its runtime, plus a small Python image
/// built offline from this machine's files (`scripts/python-image.sh`).
///
/// Podman's Docker-compatible API ignores a container's `HostConfig.Runtime`, so the service is
/// started with runsc as its default runtime, and with runsc's `--network=none` (under podman,
/// runsc otherwise refuses a container without a network namespace of its own).
public final class PodmanService: @unchecked Sendable {
    public static let executable = "/usr/bin/podman"
    public static let image = "localhost/evolve-python:latest"

    /// The socket path.
    public let socket: String
    /// The address in `DOCKER_HOST` form.
    public var host: String { "unix://" + socket }
    private let process: Process
    private let directory: URL

    /// True when podman and runsc are installed and this is root.
    public static var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: executable) && FileManager.default.isExecutableFile(atPath: "/usr/bin/runsc")
            && getuid() == 0
    }

    public enum Failure: Error, CustomStringConvertible {
        case image(String)
        case service(String)

        public var description: String {
            switch self {
            case .image(let message): "could not build the test image: \(message)"
            case .service(let message): "podman system service did not start: \(message)"
            }
        }
    }

    /// Builds the image if needed, starts the service and waits until it answers.
    public static func start() async throws -> PodmanService {
        let build = Process()
        build.executableURL = URL(fileURLWithPath: "/bin/bash")
        build.arguments = [PackagePaths.root.appendingPathComponent("scripts/python-image.sh").path, image, "podman"]
        let buildErrors = Pipe()
        build.standardError = buildErrors
        build.standardOutput = FileHandle.nullDevice
        try build.run()
        let errors = buildErrors.fileHandleForReading.readDataToEndOfFile()
        build.waitUntilExit()
        guard build.terminationStatus == 0 else { throw Failure.image(String(decoding: errors, as: UTF8.self)) }

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-podman-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let socket = directory.appendingPathComponent("docker.sock").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--runtime", "runsc", "--runtime-flag", "network=none", "system", "service", "--time=0", "unix://" + socket]
        // conmon, which podman starts per container, writes a file named `oom` into its working
        // directory when a container is OOM-killed (the battery's 10 GB allocation): it would land in
        // the directory the tests run from, the repository. Give the service a directory of its own.
        process.currentDirectoryURL = directory
        let log = directory.appendingPathComponent("service.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        let service = PodmanService(socket: socket, process: process, directory: directory)
        for _ in 0..<200 {
            if service.answers() { return service }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        service.stop()
        throw Failure.service((try? String(contentsOf: log, encoding: .utf8)) ?? "no log")
    }

    private init(socket: String, process: Process, directory: URL) {
        self.socket = socket
        self.process = process
        self.directory = directory
    }

    /// True when a connection to the socket succeeds.
    func answers() -> Bool {
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in socket.utf8.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        } == 0
    }

    /// Stops the service (containers it started stay known to podman's storage).
    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
