// swift-tools-version:6.1
// The benchmarks live in their own package so the product's build stays light: `make bench` runs them.
import PackageDescription

let package = Package(
    name: "ECLBenchmarks",
    platforms: [.macOS(.v15)],
    // `--traits PostgreSQL` (make bench-pg) builds ECL's PostgreSQL engine in too.
    traits: [.trait(name: "PostgreSQL", description: "Benchmark the SQL log exporter on PostgreSQL as well.")],
    dependencies: [
        .package(name: "ECL", path: "..", traits: [.trait(name: "PostgreSQL", condition: .when(traits: ["PostgreSQL"]))]),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", exact: "1.7.3"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
    ],
    targets: [
        .executableTarget(
            name: "ECLBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ECLCore", package: "ECL"),
                .product(name: "ECLLogging", package: "ECL"),
                .product(name: "ECLLogSQL", package: "ECL"),
                .product(name: "LogLineCore", package: "ECL"),
                .product(name: "OTLPExporter", package: "ECL"),
                .product(name: "TestSupport", package: "ECL"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            path: "ECLBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Workflow overhead with telemetry off, dev and prod: one process per mode (see overhead.py).
        .executableTarget(
            name: "WorkflowOverhead",
            dependencies: [
                .product(name: "ECLCore", package: "ECL"),
                .product(name: "ECLLogging", package: "ECL"),
                .product(name: "ECLTelemetry", package: "ECL"),
                .product(name: "OTLPExporter", package: "ECL"),
                .product(name: "TestSupport", package: "ECL"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "WorkflowOverhead",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // A burst of spans through the Tracer to a counting receiver in another process (otlp_counter.py):
        // delivered, spooled and lost, time to full delivery, peak RSS, the spool's high-water mark.
        .executableTarget(
            name: "SpanBurst",
            dependencies: [
                .product(name: "CurlClient", package: "ECL"),
                .product(name: "OTLPExporter", package: "ECL"),
                .product(name: "TestSupport", package: "ECL"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            path: "SpanBurst",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // The SQL log exporter's database work: insert rates, async against sync, query latency at 1M rows.
        .executableTarget(
            name: "SQLLogBench",
            dependencies: [
                .product(name: "ECLCore", package: "ECL"),
                .product(name: "ECLLogSQL", package: "ECL"),
            ],
            path: "SQLLogBench",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
