// swift-tools-version: 6.1
//
// Canary: progressive delivery for ML models. See README.md and
// ../shared/DESIGN.md for the architecture; the layering below is the one
// DESIGN.md §2 describes: C shims at the bottom, pure logic in CanaryCore,
// services above, one thin executable on top.
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Canary",
    // Linux only: the shared memory, the process supervision and the demo
    // use Glibc (shm_open, posix_spawn, process groups, MSG_NOSIGNAL), and
    // CI and every deployment target is Debian. SwiftPM has no way to say
    // "Linux only", so no Apple platform is declared rather than a false one.
    products: [
        .executable(name: "canary", targets: ["canary"]),
        .library(name: "ZeroMQ", targets: ["ZeroMQ"]),
        .library(name: "CanaryShm", targets: ["CanaryShm"]),
        .library(name: "CanaryCore", targets: ["CanaryCore"]),
        .library(name: "CanaryWire", targets: ["CanaryWire"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // HTTP field names of our own (X-Total-Count); already in Hummingbird's graph.
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // NIOHTTPTypes (request and response parts) for CanaryHTTP; already in Hummingbird's graph.
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    ],
    targets: [
        // MARK: C shims
        // libzmq from the system (Debian: libzmq3-dev, installed by .ci/run and
        // scripts/install-deps). Not found through pkg-config on purpose:
        // Debian's libzmq.pc adds `-isystem /usr/include/mit-krb5`, a flag
        // SwiftPM refuses with a warning on every build; zmq.h and libzmq.so
        // sit on the default search paths, which is all the module map needs.
        .systemLibrary(name: "CZeroMQ"),
        .target(name: "CCanaryShm"),
        // What only our tests and benchmarks use (a claim left uncommitted,
        // the C floor loop), out of the ABI header every replica includes.
        .target(name: "CCanaryShmTesting", dependencies: ["CCanaryShm"]),
        // posix_spawn's close-from action, which Swift's Glibc module hides.
        .target(name: "CCanarySpawn"),

        // MARK: Libraries
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"], swiftSettings: strict),
        .target(name: "CanaryShm", dependencies: ["CCanaryShm", "CCanaryShmTesting"], swiftSettings: strict),
        .target(
            name: "CanaryCore",
            dependencies: [
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "CanaryWire",
            dependencies: [
                "CanaryCore",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: strict
        ),
        // The one strict YAML layer: plans, agent, coordinator (webhooks
        // included) and scenario files; CanaryCore stays free of YAML.
        .target(
            name: "CanaryConfig",
            dependencies: ["CanaryCore", "CanaryShm", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        // Prometheus naming helpers shared by the agent's and the coordinator's /metrics.
        .target(
            name: "CanaryMetrics",
            dependencies: [.product(name: "Prometheus", package: "swift-prometheus")],
            swiftSettings: strict
        ),
        // The coordinator's HTTP API as types, its error envelope and one client
        // (JSON calls and server-sent events), shared by every caller.
        .target(
            name: "CanaryAPI",
            dependencies: [
                "CanaryCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            // The OpenAPI document, compiled into the binary: nothing to find at run time.
            resources: [.embedInCode("Resources/openapi.json")],
            swiftSettings: strict
        ),
        // What both HTTP listeners (coordinator API, agent /metrics) share:
        // read deadlines, the connection gate, the bearer token check.
        .target(
            name: "CanaryHTTP",
            dependencies: [
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "CanaryAgent",
            dependencies: [
                "CanaryCore", "CanaryConfig", "CanaryWire", "CanaryShm", "ZeroMQ",
                // AgentHealth, the agent's /healthz document.
                "CanaryAPI", "CanaryHTTP",
                .product(name: "Logging", package: "swift-log"),
                // The optional /metrics and /healthz listener (`metrics:` key).
                "CanaryMetrics",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "CanaryCoordinator",
            dependencies: [
                "CanaryCore", "CanaryConfig", "CanaryWire", "ZeroMQ", "CanaryAPI", "CanaryHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                "CanaryMetrics",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // SIGHUP re-reads the CURVE allow-list.
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            // The dashboard's page, style and ES modules: real files, compiled
            // into the binary (PackageResources.*), checked by `node --check`
            // in CanaryDashboardTests.
            resources: [
                .embedInCode("Dashboard/Assets/dashboard.html"),
                .embedInCode("Dashboard/Assets/dashboard.css"),
                .embedInCode("Dashboard/Assets/main.mjs"),
                .embedInCode("Dashboard/Assets/state.mjs"),
                .embedInCode("Dashboard/Assets/dom.mjs"),
                .embedInCode("Dashboard/Assets/format.mjs"),
                .embedInCode("Dashboard/Assets/intake.mjs"),
                .embedInCode("Dashboard/Assets/controls.mjs"),
                .embedInCode("Dashboard/Assets/charts.mjs"),
                .embedInCode("Dashboard/Assets/render.mjs"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "CanarySimulator",
            dependencies: ["CanaryCore", "CanaryConfig", "CanaryShm"],
            swiftSettings: strict
        ),
        // The demo: a client of the real processes through typed channels
        // (agent configs, the coordinator's ready file, the HTTP API).
        .target(
            name: "CanaryDemo",
            dependencies: [
                "CanaryAPI", "CanaryCore", "CanaryConfig", "CanaryShm", "CanarySimulator", "CCanarySpawn",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "CanaryCLI",
            dependencies: [
                "CanaryCore", "CanaryConfig", "CanaryShm", "CanaryAgent", "CanaryCoordinator", "CanarySimulator",
                "CanaryDemo", "CanaryAPI",
                // `canary keygen`: CURVE key pairs from libzmq.
                "ZeroMQ",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),

        // MARK: Executables
        .executableTarget(name: "canary", dependencies: ["CanaryCLI"], swiftSettings: strict),
        // Benchmarks print side-by-side ratios against a baseline measured in
        // the same run; run them with `swift run -c release NAME`.
        .executableTarget(
            name: "zmq-bench", dependencies: ["ZeroMQ"],
            path: "Benchmarks/ZeroMQBench", swiftSettings: strict
        ),
        .executableTarget(
            name: "shm-bench", dependencies: ["CanaryShm", "CCanaryShm", "CCanaryShmTesting"],
            path: "Benchmarks/ShmBench", swiftSettings: strict
        ),
        .executableTarget(
            name: "label-bench", dependencies: ["CanaryCore", "CanaryShm"],
            path: "Benchmarks/LabelBench", swiftSettings: strict
        ),
        .executableTarget(
            name: "judge-bench", dependencies: ["CanaryCore", "CanaryConfig"],
            path: "Benchmarks/JudgeBench", swiftSettings: strict
        ),
        .executableTarget(
            name: "readpath-bench", dependencies: ["CanaryCoordinator", "CanaryConfig", "CanaryCore", "CanaryWire", "ZeroMQ",
                                                   .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/ReadPathBench", swiftSettings: strict
        ),
        .executableTarget(
            name: "fanin-bench", dependencies: ["ZeroMQ", "CanaryCoordinator", "CanaryWire", "CanaryCore", "CanaryConfig"],
            path: "Benchmarks/FanInBench", swiftSettings: strict
        ),

        // MARK: Tests
        // A separate writer process for CanaryShmTests (multi-process and
        // killed-writer tests); found next to the test bundle in .build/.
        .executableTarget(
            name: "shm-writer", dependencies: ["CanaryShm"],
            path: "Tests/Tools/ShmWriter", swiftSettings: strict
        ),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"], swiftSettings: strict),
        .testTarget(name: "CanaryShmTests", dependencies: ["CanaryShm", "CCanaryShm", "CanaryCore"], swiftSettings: strict),
        .testTarget(
            name: "CanaryCoreTests",
            dependencies: [
                "CanaryCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CanaryConfigTests",
            dependencies: ["CanaryConfig", "CanaryCore", "CanarySimulator"],
            swiftSettings: strict
        ),
        .testTarget(name: "CanaryWireTests", dependencies: ["CanaryWire", "CanaryCore"], swiftSettings: strict),
        .testTarget(
            name: "CanaryDemoTests",
            dependencies: ["CanaryDemo", "CanarySimulator", "CanaryShm", "CanaryCore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CanaryServiceTests",
            dependencies: [
                "CanaryAgent", "CanaryConfig", "CanaryCoordinator", "CanaryCLI", "CanaryCore", "CanaryWire", "CanaryShm", "CanarySimulator",
                "ZeroMQ", "CanaryAPI", "CanaryHTTP", .product(name: "Logging", package: "swift-log"),
                // LoopLatencyProbe asks NIO's shared event loops how late they run.
                .product(name: "NIOPosix", package: "swift-nio"),
                // ReadModelTests rewinds a journal to its pre-v3 schema; JournalOutageTests checkpoints one.
                .product(name: "GRDB", package: "GRDB.swift"),
                // JournalOutageTests' webhook receiver.
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        // Dashboard in a real headless Chromium (driven over CDP by a Python
        // helper), /metrics against the API, webhooks against a receiver.
        .testTarget(
            name: "CanaryDashboardTests",
            dependencies: [
                "CanaryCoordinator", "CanaryAgent", "CanaryConfig", "CanaryCore", "CanaryWire", "CanaryShm", "ZeroMQ", "CanaryAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["cdp_dashboard.py", "check_modules.mjs"],
            swiftSettings: strict
        ),
    ]
)
