// swift-tools-version:6.1
import PackageDescription

/// Every target: Swift 6 language mode, `any` spelled out for existentials.
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "ECL",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ECLCore", targets: ["ECLCore"]),
        .library(name: "CurlClient", targets: ["CurlClient"]),
        .library(name: "LogLineCore", targets: ["LogLineCore"]),
        .library(name: "ECLLogging", targets: ["ECLLogging"]),
        .library(name: "OTLPExporter", targets: ["OTLPExporter"]),
        .library(name: "ECLTelemetry", targets: ["ECLTelemetry"]),
        .library(name: "ECLLogSQL", targets: ["ECLLogSQL"]),
        // The test doubles (a scriptable local HTTP server, a manual clock), for the benchmarks package too.
        .library(name: "TestSupport", targets: ["TestSupport"]),
        .executable(name: "ecl-workflows", targets: ["ecl-workflows"]),
    ],
    // The PostgreSQL engine of the SQL log exporter (postgres-nio, and with it SwiftNIO, NIOSSL and swift-crypto)
    // is built only with `--traits PostgreSQL`: the default build does not pay for it.
    traits: [
        .trait(name: "PostgreSQL", description: "The SQL log exporter's PostgreSQL engine (postgres://… URLs), through postgres-nio."),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // `make docs`: the plugin's DocC catalog (a command plugin; nothing of it is built into the products).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // System-library shim: libcurl's headers, plus inline wrappers for its variadic setters.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // System-library shim: zlib, for gzip bodies.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Appending JSON text to byte buffers: shared by the log formats and the OTLP/JSON encoder.
        .target(name: "JSONWriting", swiftSettings: strict),
        // The one log-line core: a line captured once (LogLine) by one swift-log handler, rendered from that
        // capture to pretty, compact and JSON text; the level table and the value conversion every output uses.
        .target(
            name: "LogLineCore",
            dependencies: ["JSONWriting", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // A small blocking HTTP client over libcurl, shared by the Claude provider and (later) the OTLP exporter.
        .target(
            name: "CurlClient",
            dependencies: ["CCurl"],
            swiftSettings: strict
        ),
        // The engine: ids, errors, steps, executor, orchestrator, toy workflows, LLM providers, store.
        .target(
            name: "ECLCore",
            dependencies: [
                "CurlClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // The logging backend: LogConfig and its loading, pretty / compact / JSON handlers, bootstrap.
        .target(
            name: "ECLLogging",
            dependencies: [
                "JSONWriting", "LogLineCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strict
        ),
        // The plugin: a swift-distributed-tracing Tracer and a swift-log handler whose spans and logs become
        // OTLP/JSON, batched, gzip-compressed and sent over libcurl, with a JSONL fallback. Knows nothing of ECL.
        .target(
            name: "OTLPExporter",
            dependencies: [
                "CurlClient", "CZlib", "JSONWriting", "LogLineCore",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // Prometheus for batch jobs: swift-metrics into swift-prometheus under Prometheus names (described as
        // the plugin describes them for OTLP), pushed to a Pushgateway and written for node_exporter's textfile collector.
        .target(
            name: "PrometheusExport",
            dependencies: [
                "CurlClient", "JSONWriting", "OTLPExporter",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        // The glue: ECL's ID policy (trace id = workflow_id, derived span ids) and one set-up for logs and traces.
        .target(
            name: "ECLTelemetry",
            dependencies: [
                "ECLCore", "ECLLogging", "LogLineCore", "OTLPExporter", "ECLLogSQL", "PrometheusExport",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // The SQL log exporter: structured log events in a database (SQLite through GRDB; PostgreSQL through
        // postgres-nio with the PostgreSQL trait) for queries by workflow.
        .target(
            name: "ECLLogSQL",
            dependencies: [
                "CurlClient", "ECLCore", "ECLLogging", "JSONWriting", "LogLineCore", "OTLPExporter",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio", condition: .when(traits: ["PostgreSQL"])),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strict
        ),
        // The trace view: OTLP spans and log records (any OTLP JSONL file) drawn as a terminal waterfall, a
        // JSON tree or a self-contained HTML page. Knows nothing of ECL's command or store.
        .target(
            name: "TraceView",
            dependencies: ["JSONWriting"],
            swiftSettings: strict
        ),
        // The command.
        .executableTarget(
            name: "ecl-workflows",
            dependencies: [
                "ECLCore",
                "ECLLogging",
                "ECLTelemetry",
                "ECLLogSQL",
                "OTLPExporter",
                "PrometheusExport",
                "TraceView",
                "CurlClient",
                "JSONWriting",
                "LogLineCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Example: a workflow with its own step exported. (The plugin without the engine, examples/PluginOnly,
        // is a package of its own that depends on this one, as a stranger's would.)
        .executableTarget(
            name: "example-custom-step",
            dependencies: ["ECLCore", "ECLLogging", "ECLTelemetry", .product(name: "Logging", package: "swift-log")],
            path: "examples/CustomStep",
            swiftSettings: strict
        ),
        // Shared test doubles: a scriptable HTTP server on 127.0.0.1 for fault injection, a manual sleeper.
        .target(
            name: "TestSupport",
            dependencies: ["ECLCore"],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "CurlClientTests",
            dependencies: ["CurlClient", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ECLCoreTests",
            dependencies: [
                "ECLCore", "TestSupport", .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LogLineCoreTests",
            dependencies: ["LogLineCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ECLLoggingTests",
            dependencies: ["ECLLogging", "ECLCore", "JSONWriting", "LogLineCore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "OTLPExporterTests",
            dependencies: ["OTLPExporter", "LogLineCore", "TestSupport", "CurlClient", .product(name: "InMemoryLogging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ECLTelemetryTests",
            dependencies: ["ECLTelemetry", "ECLCore", "ECLLogging", "ECLLogSQL", "LogLineCore", "OTLPExporter", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PrometheusExportTests",
            dependencies: ["PrometheusExport", "CurlClient", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ECLLogSQLTests",
            dependencies: ["ECLLogSQL", "ECLCore", "ECLLogging", "LogLineCore", "OTLPExporter", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TraceViewTests",
            dependencies: ["TraceView"],
            // Golden drawings are read from the source tree (UPDATE_GOLDEN=1 rewrites them there).
            exclude: ["Golden"],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ECLWorkflowsTests",
            dependencies: ["ecl-workflows", "ECLCore", "CurlClient", "TestSupport"],
            swiftSettings: strict
        ),
    ]
)
