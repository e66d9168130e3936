// swift-tools-version:6.1
// The OTLP plugin used as a stranger's service would: a package of its own that depends on the plugin.
// Here the dependency is the repository by path; from another repository it reads
//   .package(url: "https://github.com/OWNER/ecl", from: "0.1.0")
// (see the README's "Versions").
import PackageDescription

let package = Package(
    name: "PluginOnly",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "ECL", path: "../.."),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
    ],
    targets: [
        .executableTarget(
            name: "PluginOnly",
            dependencies: [
                .product(name: "OTLPExporter", package: "ECL"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
