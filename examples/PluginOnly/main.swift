// The OTLP plugin on its own, with no ECL engine: any code instrumented with swift-distributed-tracing and
// swift-log gets its spans and logs exported as OTLP/JSON.
//
//   swift run example-plugin-only http://127.0.0.1:4318     # to a collector
//   swift run example-plugin-only                          # to ./example-spans.jsonl
import Foundation
import Logging
import OTLPExporter
import Tracing

let environment = ProcessInfo.processInfo.environment
let resource = OTLPResource.fromEnvironment(environment, defaultServiceName: "plugin-example", serviceVersion: "1.0", scopeName: "example")
let encoder = OTLPJSONEncoder(resource: resource)
let report: @Sendable (String) -> Void = { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }

let exporter: any BatchExporter
if CommandLine.arguments.count > 1 {
    let configuration = try OTLPHTTPConfiguration.resolve(
        environment: environment, endpointFlag: CommandLine.arguments[1], headerFlags: [], compressionFlag: nil)!
    exporter = OTLPHTTPExporter(signal: .traces, configuration: configuration, userAgent: "plugin-example/1.0", report: report)
} else {
    exporter = JSONLFileExporter(file: try JSONLFile(path: "example-spans.jsonl", option: "output"))
}
let spans = BatchProcessor<SpanData>(
    signal: .traces, configuration: BatchConfiguration(scheduledDelaySeconds: 1), encode: { encoder.encode(spans: $0) },
    exporter: exporter, spool: try Spool(directory: "example-spool", signal: .traces), report: report)
InstrumentationSystem.bootstrap(OTLPTracer(processor: spans))

// Ordinary instrumented code.
func handle(order: Int) async throws {
    try await withSpan("handle order", ofKind: .server) { span in
        span.attributes["order.id"] = order
        try await withSpan("charge card", ofKind: .client) { charge in
            charge.attributes["amount"] = 12.5
            if order == 3 { throw CancellationError() }  // recorded as an `exception` event
        }
    }
}
for order in 1...3 { try? await handle(order: order) }

spans.shutdown(timeoutSeconds: 10)
let counters = spans.counters
print("delivered \(counters.delivered) spans; \(counters.spooled) spooled to example-spool (sent by the next run); \(counters.lost) lost")
