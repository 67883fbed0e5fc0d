import Foundation

/// Where and under which limits evaluations run (`sandbox` in evolve.yaml). Keys every backend
/// reads are flat; a backend's own keys live under its name (`sandbox.gvisor`, `sandbox.docker`,
/// `sandbox.slurm`).
public struct SandboxConfiguration: Sendable, Hashable, Codable {
    public enum Backend: String, Sendable, Hashable, Codable, CaseIterable { case gvisor, docker, process, slurm }

    public var backend: Backend
    /// Wall-clock seconds before an evaluation is killed.
    public var timeout: Double
    public var memoryMB: Int
    public var cpuSeconds: Int
    public var maxProcesses: Int
    /// Largest file the evaluator may write, in MiB.
    public var maxFileMB: Int
    /// Standard output and error kept per evaluation, in KiB.
    public var outputKB: Int
    /// Evaluations in flight at once.
    public var concurrency: Int
    /// Size of the writable tmpfs at /tmp/eval in the gVisor and Docker sandboxes, in MiB.
    public var tmpfsMB: Int
    /// CPUs one evaluation may use in the gVisor and Docker sandboxes (a cgroup quota).
    public var cpus: Double
    public var gvisor: GVisor
    public var docker: Docker
    public var slurm: Slurm
    /// Glob patterns of problem-directory files a candidate must not see, besides dot-files and `runs/`.
    public var hide: [String]
    /// When not empty, only these glob patterns of the problem directory are visible to a candidate.
    public var expose: [String]
    /// Toolchains outside /usr bound read-only into the sandbox, their `bin/` first on PATH.
    public var toolchains: [Toolchain]
    /// Warm evaluators: one long-lived evaluator process per evaluation slot imports what the
    /// evaluator needs once (`evaluator.preload`, an OpenEvolve evaluator.py), then forks each
    /// candidate into fresh namespaces instead of starting the interpreter again. gVisor backend.
    public var warm: Bool

    /// `sandbox.gvisor`: settings only the gVisor backend reads.
    public struct GVisor: Sendable, Hashable, Codable {
        /// Evaluations one sandbox runs, one after another, each in fresh namespaces, before it is
        /// replaced; 1 starts a fresh sandbox for every evaluation.
        public var reuse: Int

        public init(reuse: Int = 1) {
            self.reuse = reuse
        }
    }

    /// `sandbox.docker`: settings only the Docker backend reads.
    public struct Docker: Sendable, Hashable, Codable {
        /// The image evaluations run in (it needs /bin/sh, `head` and the evaluator's interpreter).
        public var image: String
        /// The engine's container runtime; empty for the engine's default.
        public var runtime: String
        /// The engine's address; nil means DOCKER_HOST, else the default socket.
        public var host: String?

        public init(image: String = "python:3.12-slim", runtime: String = "runsc", host: String? = nil) {
            self.image = image
            self.runtime = runtime
            self.host = host
        }
    }

    public init(
        backend: Backend = .gvisor, timeout: Double = 10, memoryMB: Int = 1024, cpuSeconds: Int = 30,
        maxProcesses: Int = 64, maxFileMB: Int = 16, outputKB: Int = 64, concurrency: Int = 2, tmpfsMB: Int = 5,
        cpus: Double = 1, gvisor: GVisor = GVisor(), docker: Docker = Docker(), slurm: Slurm = Slurm(), hide: [String] = [],
        expose: [String] = [], toolchains: [Toolchain] = [], warm: Bool = false
    ) {
        self.warm = warm
        self.toolchains = toolchains
        self.hide = hide
        self.expose = expose
        self.backend = backend
        self.timeout = timeout
        self.memoryMB = memoryMB
        self.cpuSeconds = cpuSeconds
        self.maxProcesses = maxProcesses
        self.maxFileMB = maxFileMB
        self.outputKB = outputKB
        self.concurrency = concurrency
        self.tmpfsMB = tmpfsMB
        self.cpus = cpus
        self.gvisor = gvisor
        self.docker = docker
        self.slurm = slurm
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case backend, timeout, concurrency, cpus, gvisor, docker, slurm, hide, expose, toolchains, warm
        case tmpfsMB = "tmpfs_mb"
        case memoryMB = "memory_mb"
        case cpuSeconds = "cpu_seconds"
        case maxProcesses = "max_processes"
        case maxFileMB = "max_file_mb"
        case outputKB = "output_kb"
    }

    /// The flat spellings of earlier versions, still accepted: `sandbox.reuse` for
    /// `sandbox.gvisor.reuse`, and `sandbox.image`, `sandbox.runtime`, `sandbox.docker_host` for
    /// `sandbox.docker.image`, `.runtime`, `.host`.
    enum AliasKeys: String, CodingKey, CaseIterable {
        case reuse, image, runtime
        case dockerHost = "docker_host"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self, alsoAccepting: AliasKeys.self)
        let old = try decoder.container(keyedBy: AliasKeys.self)
        let d = SandboxConfiguration()
        var gvisor = try c.value(.gvisor, default: d.gvisor)
        var docker = try c.value(.docker, default: d.docker)
        if let reuse = try old.alias(Int.self, .reuse, of: GVisor.CodingKeys.reuse, under: .gvisor, in: c) {
            try old.require(reuse >= 1, .reuse, GVisor.reuseMessage)
            gvisor.reuse = reuse
        }
        if let image = try old.alias(String.self, .image, of: Docker.CodingKeys.image, under: .docker, in: c) {
            try old.require(!image.isEmpty, .image, Docker.imageMessage)
            docker.image = image
        }
        if let runtime = try old.alias(String.self, .runtime, of: Docker.CodingKeys.runtime, under: .docker, in: c) {
            docker.runtime = runtime
        }
        if let host = try old.alias(String.self, .dockerHost, of: Docker.CodingKeys.host, under: .docker, in: c) {
            try old.require(Docker.isHost(host), .dockerHost, Docker.hostMessage)
            docker.host = host
        }
        self.init(
            backend: try c.value(.backend, default: d.backend),
            timeout: try c.value(.timeout, default: d.timeout),
            memoryMB: try c.value(.memoryMB, default: d.memoryMB),
            cpuSeconds: try c.value(.cpuSeconds, default: d.cpuSeconds),
            maxProcesses: try c.value(.maxProcesses, default: d.maxProcesses),
            maxFileMB: try c.value(.maxFileMB, default: d.maxFileMB),
            outputKB: try c.value(.outputKB, default: d.outputKB),
            concurrency: try c.value(.concurrency, default: d.concurrency),
            tmpfsMB: try c.value(.tmpfsMB, default: d.tmpfsMB),
            cpus: try c.value(.cpus, default: d.cpus),
            gvisor: gvisor,
            docker: docker,
            slurm: try c.value(.slurm, default: d.slurm),
            hide: try c.value(.hide, default: []),
            expose: try c.value(.expose, default: []),
            toolchains: try c.value(.toolchains, default: []),
            warm: try c.value(.warm, default: d.warm)
        )
        try c.require(!hide.contains(where: \.isEmpty), .hide, "a hide pattern is empty")
        try c.require(!expose.contains(where: \.isEmpty), .expose, "an expose pattern is empty")
        try c.require(timeout > 0, .timeout, "the timeout must be a positive number of seconds")
        try c.require(memoryMB >= 16, .memoryMB, "memory_mb must be at least 16")
        try c.require(cpuSeconds >= 1, .cpuSeconds, "cpu_seconds must be at least 1")
        try c.require(maxProcesses >= 1, .maxProcesses, "max_processes must be at least 1")
        try c.require(maxFileMB >= 1, .maxFileMB, "max_file_mb must be at least 1")
        try c.require(outputKB >= 1, .outputKB, "output_kb must be at least 1")
        try c.require(concurrency >= 1, .concurrency, "the concurrency must be at least 1")
        try c.require(tmpfsMB >= 1, .tmpfsMB, "tmpfs_mb must be at least 1")
        try c.require(cpus > 0, .cpus, "cpus must be a positive number")
    }
}

extension SandboxConfiguration.GVisor {
    enum CodingKeys: String, CodingKey, CaseIterable { case reuse }

    static let reuseMessage = "reuse must be at least 1 (1: a fresh sandbox for every evaluation)"

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(reuse: try c.value(.reuse, default: Self().reuse))
        try c.require(reuse >= 1, .reuse, Self.reuseMessage)
    }
}

extension SandboxConfiguration.Docker {
    enum CodingKeys: String, CodingKey, CaseIterable { case image, runtime, host }

    static let imageMessage = "the image must not be empty"
    static let hostMessage = "the Docker host must look like unix:///var/run/docker.sock or tcp://host:2375"

    static func isHost(_ text: String) -> Bool {
        text.hasPrefix("unix://") || text.hasPrefix("tcp://") || text.hasPrefix("http://")
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        let d = Self()
        self.init(
            image: try c.value(.image, default: d.image), runtime: try c.value(.runtime, default: d.runtime),
            host: try c.decodeIfPresent(String.self, forKey: .host))
        try c.require(!image.isEmpty, .image, Self.imageMessage)
        try c.require(host.map(Self.isHost) ?? true, .host, Self.hostMessage)
    }
}

extension KeyedDecodingContainer {
    /// The value of an old flat spelling (`sandbox.reuse`) of a key that now lives in a section
    /// (`sandbox.gvisor.reuse`); nil when the old spelling is absent. Giving both is an error that
    /// names both, pointing at the old one.
    func alias<T: Decodable, Nested: CodingKey, Section: CodingKey>(
        _ type: T.Type, _ flat: Key, of nested: Nested, under section: Section, in sections: KeyedDecodingContainer<Section>
    ) throws -> T? {
        guard contains(flat) else { return nil }
        let both = (try? sections.nestedContainer(keyedBy: Nested.self, forKey: section))?.contains(nested) ?? false
        let path = codingPath.map(\.stringValue)
        let old = (path + [flat.stringValue]).joined(separator: ".")
        let new = (path + [section.stringValue, nested.stringValue]).joined(separator: ".")
        try require(!both, flat, "`\(old)` is the old spelling of `\(new)`, and both are given: keep only `\(new)`")
        return try decodeIfPresent(T.self, forKey: flat)
    }
}
