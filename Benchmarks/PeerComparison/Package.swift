// swift-tools-version:6.2
// Our OTLP exporter against swift-otel (the best-known Swift peer) on the same span loop, in a package of its
// own so that neither the product nor the other benchmarks ever build swift-otel (4-7 minutes on 2 cores).
// `make bench-peer` runs it.
import PackageDescription

let package = Package(
    name: "PeerComparison",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "ECL", path: "../.."),
        .package(url: "https://github.com/swift-otel/swift-otel", exact: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", exact: "1.7.3"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "PeerSpans",
            dependencies: [
                .product(name: "OTLPExporter", package: "ECL"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "PeerSpans",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
