import Foundation
import TestSupport
import Testing

/// examples/PluginOnly, a package of its own that depends on the plugin as a stranger's service would
/// (built by `make test`), run against rotel, a real OTLP receiver.
@Suite struct PluginPackageTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let binary = repository.appendingPathComponent("examples/PluginOnly/.build/debug/PluginOnly").path

    @Test func theExamplePackageExportsSpansAndLogsThroughRotel() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            Issue.record("\(Self.binary) is not built: make test builds it (swift build --package-path examples/PluginOnly)")
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plugin-package-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let collector = try Collector(directory: directory)
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OTEL_") }
        environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.endpoint
        // A value that cannot be used is a warning; the service goes on with the default.
        environment["OTEL_BSP_MAX_QUEUE_SIZE"] = "-1"
        let run = try Subprocess.run(Self.binary, [], in: directory, environment: environment)
        let received = collector.stop()
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("delivered 6 spans and 3 log records; 0 lost"), "\(run.output)")
        #expect(run.output.contains("OTEL_BSP_MAX_QUEUE_SIZE: '-1' is not accepted; expected a whole number above 0; ignored"), "\(run.output)")
        #expect(received.spans.map { $0[2] }.sorted() == ["charge card", "charge card", "charge card", "handle order", "handle order", "handle order"])
        #expect(received.logs.map { $0[2] } == ["Order received", "Order received", "Order received"])
        // Each line was logged in its order's span: same trace.
        #expect(Set(received.logs.map { $0[0] }).isSubset(of: Set(received.spans.map { $0[0] })))
    }
}
