// The same span loop through swift-distributed-tracing, exported by ECL's OTLP exporter or by swift-otel's
// OTLP/HTTP exporter (protobuf or JSON), gzip, batches of 512, to a local sink on 127.0.0.1 that answers 200.
// The queue holds every span, so neither side drops any. One process per exporter (the tracer is bootstrapped
// once per process). Usage: PeerSpans ecl|swift-otel-protobuf|swift-otel-json [spans]
// Prints one JSON line: exporter, spans, wall_ms (loop + flush), cpu_ms, wire bytes.
import Foundation
import Logging
import OTLPExporter
import OTel
import ServiceLifecycle
import TestSupport
import Tracing

#if canImport(Glibc)
import Glibc
#endif

func cpuMilliseconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000
}

/// The loop both exporters run: a span with three attributes, started and ended through the global tracer.
func spanLoop(_ count: Int) {
    let tracer = InstrumentationSystem.tracer
    for index in 0..<count {
        let span = tracer.startSpan("step generate", context: .topLevel, ofKind: .internal, at: DefaultTracerClock.now, function: "", file: "", line: 0)
        span.attributes["ecl.step.id"] = "generate"
        span.attributes["ecl.step.attempt"] = index % 3 + 1
        span.attributes["ecl.workflow.id"] = "3f2b8c1e-1234-4abc-9def-00112233aabb"
        span.end()
    }
}

let mode = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "ecl"
let count = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 100_000 : 100_000
// Each exporter gets the success answer its protocol defines: an empty ExportTraceServiceResponse.
let server = try LocalHTTPServer(fallback: mode == "swift-otel-protobuf"
    ? .respond(status: 200, headers: ["Content-Type": "application/x-protobuf"], body: "")
    : .respond(status: 200, headers: ["Content-Type": "application/json"], body: "{}"))
LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }

let cpuStart = cpuMilliseconds()
let start = ContinuousClock.now
switch mode {
case "ecl":
    let resource = OTLPResource.fromEnvironment([:], defaultServiceName: "bench", serviceVersion: "0", scopeName: "bench")
    let encoder = OTLPJSONEncoder(resource: resource)
    let configuration = OTLPHTTPConfiguration(tracesURL: server.baseURL + "/v1/traces", logsURL: server.baseURL + "/v1/logs")
    var batching = BatchConfiguration()
    batching.maxQueueSize = count
    let pipeline = BatchProcessor<SpanData>(
        signal: .traces, configuration: batching, encode: { encoder.encode(spans: $0) },
        exporter: OTLPHTTPExporter(signal: .traces, configuration: configuration, userAgent: "bench", report: { _ in }),
        spool: nil, report: { _ in })
    InstrumentationSystem.bootstrap(OTLPTracer(processor: pipeline))
    spanLoop(count)
    pipeline.shutdown(timeoutSeconds: 60)
case "swift-otel-protobuf", "swift-otel-json":
    var config = OTel.Configuration.default
    config.serviceName = "bench"
    config.logs.enabled = false
    config.metrics.enabled = false
    config.traces.otlpExporter.endpoint = server.baseURL + "/v1/traces"
    config.traces.otlpExporter.protocol = mode == "swift-otel-json" ? .httpJSON : .httpProtobuf
    config.traces.otlpExporter.compression = .gzip
    config.traces.batchSpanProcessor.maxQueueSize = count
    config.traces.batchSpanProcessor.maxExportBatchSize = 512
    let observability = try OTel.bootstrap(configuration: config)
    let group = ServiceGroup(services: [observability], logger: Logger(label: "bench"))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        spanLoop(count)
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
default:
    FileHandle.standardError.write(Data("usage: PeerSpans ecl|swift-otel-protobuf|swift-otel-json [spans]\n".utf8))
    exit(2)
}
let elapsed = start.duration(to: .now)
let wall = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
let bytes = server.requests.reduce(0) { $0 + $1.body.count }
print(#"{"exporter":"\#(mode)","spans":\#(count),"wall_ms":\#(wall),"cpu_ms":\#(cpuMilliseconds() - cpuStart),"wire_bytes":\#(bytes),"requests":\#(server.requests.count)}"#)
server.stop()
