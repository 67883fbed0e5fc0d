// swift-tools-version: 6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Evolve",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "evolve", targets: ["evolve"]),
        .library(name: "EvolveCore", targets: ["EvolveCore"]),
        .library(name: "EvolveLLM", targets: ["EvolveLLM"]),
        .library(name: "EvolveSandbox", targets: ["EvolveSandbox"]),
        .library(name: "EvolveDatabase", targets: ["EvolveDatabase"]),
        .library(name: "EvolveController", targets: ["EvolveController"]),
        .library(name: "EvolveWeb", targets: ["EvolveWeb"]),
        .library(name: "EvolveExperiment", targets: ["EvolveExperiment"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        .target(
            name: "EvolveCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "EvolveLLM",
            dependencies: [
                "EvolveCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "EvolveSandbox",
            dependencies: [
                "EvolveCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // Python run in the sandbox: the reused gVisor sandbox's supervisor, the OpenEvolve bridge,
            // and the launcher srun runs on a Slurm node.
            resources: [
                .embedInCode("GVisor/evolve-supervisor.py"), .embedInCode("openevolve-bridge.py"),
                .embedInCode("Slurm/evolve-slurm-launch.py"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "EvolveDatabase",
            dependencies: [
                "EvolveCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "EvolveController",
            dependencies: [
                "EvolveCore", "EvolveLLM", "EvolveSandbox", "EvolveDatabase",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "EvolveExperiment",
            dependencies: [
                "EvolveCore", "EvolveLLM", "EvolveDatabase", "EvolveController",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            // The peer arms' driver, a Python file checked by py_compile in the tests.
            resources: [.embedInCode("Peers/peer_arm.py")],
            swiftSettings: strict
        ),
        .target(
            name: "EvolveTesting",
            dependencies: [
                "EvolveCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "EvolveWeb",
            dependencies: [
                "EvolveCore", "EvolveDatabase", "EvolveController",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            // The page's files, served from the binary.
            resources: [
                .embedInCode("Page/page.html"), .embedInCode("Page/page.js"), .embedInCode("Page/page.css"),
                .embedInCode("Page/token-form.html"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "evolve",
            dependencies: [
                "EvolveCore", "EvolveLLM", "EvolveSandbox", "EvolveDatabase", "EvolveController", "EvolveExperiment", "EvolveWeb",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "evolve-bench",
            dependencies: [
                "EvolveCore", "EvolveLLM", "EvolveSandbox", "EvolveDatabase", "EvolveController", "EvolveExperiment", "EvolveTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EvolveCoreTests",
            dependencies: ["EvolveCore", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(name: "EvolveLLMTests", dependencies: ["EvolveLLM", "EvolveTesting"], swiftSettings: strict),
        .testTarget(name: "EvolveSandboxTests", dependencies: ["EvolveSandbox", "EvolveTesting"], swiftSettings: strict),
        .testTarget(
            name: "EvolveDatabaseTests", dependencies: ["EvolveDatabase", "EvolveTesting"], resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(
            name: "EvolveControllerTests", dependencies: ["EvolveController", "EvolveTesting"], resources: [.copy("Fixtures")],
            swiftSettings: strict),
        .testTarget(
            name: "EvolveExperimentTests", dependencies: ["EvolveExperiment", "EvolveController", "EvolveTesting"], swiftSettings: strict),
        .testTarget(name: "EvolveCLITests", dependencies: ["EvolveTesting", "EvolveDatabase", "EvolveController", "EvolveSandbox", "EvolveCore"], swiftSettings: strict),
        .testTarget(name: "evolveTests", dependencies: ["evolve", "EvolveCore"], swiftSettings: strict),
        .testTarget(
            name: "EvolveWebTests",
            dependencies: [
                "EvolveTesting", "EvolveDatabase", "EvolveCore", "EvolveWeb",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
    ]
)
