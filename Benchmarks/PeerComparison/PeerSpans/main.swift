// The same traces through swift-distributed-tracing, exported by ECL's OTLP exporter or by swift-otel's
// OTLP/HTTP exporter (protobuf or JSON), gzip asked for, batches of 512, to a receiver in another process
// (`otlp_counter.py`, which counts what it got). Each trace is shaped like a workflow's: a root span and
// four children, each with three attributes. The queue holds every span, so neither side drops any. One
// process per exporter (the tracer is bootstrapped once per process).
// Usage: PeerSpans ecl|swift-otel-protobuf|swift-otel-json SPANS RECEIVER-URL
// Prints one JSON line: exporter, spans created, wall_ms (from the first span until the exporter has sent
// the last), cpu_ms (this process only: the receiver's CPU is not counted).
import Foundation
import Logging
@_spi(Pipeline) import OTLPExporter
import OTel
import ServiceLifecycle
import Tracing

#if canImport(Glibc)
import Glibc
#endif

func cpuMilliseconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000
}

/// Traces of five spans (a root and four children), `count` spans in all, through the global tracer.
func traceLoop(_ count: Int) {
    let tracer = InstrumentationSystem.tracer
    let steps = ["generate", "critique", "revise", "critique"]
    for trace in 0..<(count / 5) {
        let root = tracer.startSpan("workflow critique-revise", context: .topLevel, ofKind: .internal, at: DefaultTracerClock.now, function: "", file: "", line: 0)
        root.attributes["ecl.workflow.id"] = "3f2b8c1e-1234-4abc-9def-00112233aabb"
        root.attributes["ecl.workflow.name"] = "critique-revise"
        root.attributes["ecl.workflow.index"] = trace
        for (index, step) in steps.enumerated() {
            let span = tracer.startSpan("step \(step)", context: root.context, ofKind: .internal, at: DefaultTracerClock.now, function: "", file: "", line: 0)
            span.attributes["ecl.step.id"] = step
            span.attributes["ecl.step.attempt"] = 1
            span.attributes["ecl.step.execution_index"] = index
            span.end()
        }
        root.end()
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 4, let count = Int(arguments[2]), count >= 5 else {
    FileHandle.standardError.write(Data("usage: PeerSpans ecl|swift-otel-protobuf|swift-otel-json SPANS RECEIVER-URL\n".utf8))
    exit(2)
}
let mode = arguments[1]
let receiver = arguments[3]
LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }

let cpuStart = cpuMilliseconds()
let start = ContinuousClock.now
switch mode {
case "ecl":
    let resource = OTLPResource(configuration: OTLPConfiguration(serviceName: "bench"), scopeName: "bench")
    let encoder = OTLPJSONEncoder(resource: resource)
    let configuration = OTLPHTTPConfiguration(tracesURL: receiver + "/v1/traces", logsURL: receiver + "/v1/logs")
    var batching = BatchConfiguration()
    batching.maxQueueSize = count
    let pipeline = BatchProcessor<SpanData>(
        signal: .traces, configuration: batching, encode: { encoder.encode(spans: $0) },
        exporter: OTLPHTTPExporter(signal: .traces, configuration: configuration, userAgent: "bench", report: { _ in }),
        spool: nil, report: { _ in })
    InstrumentationSystem.bootstrap(OTLPTracer(processor: pipeline))
    traceLoop(count)
    pipeline.shutdown(timeoutSeconds: 120)
case "swift-otel-protobuf", "swift-otel-json":
    var config = OTel.Configuration.default
    config.serviceName = "bench"
    config.logs.enabled = false
    config.metrics.enabled = false
    config.traces.otlpExporter.endpoint = receiver + "/v1/traces"
    config.traces.otlpExporter.protocol = mode == "swift-otel-json" ? .httpJSON : .httpProtobuf
    config.traces.otlpExporter.compression = .gzip
    config.traces.batchSpanProcessor.maxQueueSize = count
    config.traces.batchSpanProcessor.maxExportBatchSize = 512
    let observability = try OTel.bootstrap(configuration: config)
    let group = ServiceGroup(services: [observability], logger: Logger(label: "bench"))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        traceLoop(count)
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
default:
    FileHandle.standardError.write(Data("usage: PeerSpans ecl|swift-otel-protobuf|swift-otel-json SPANS RECEIVER-URL\n".utf8))
    exit(2)
}
let elapsed = start.duration(to: .now)
let wall = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
print(#"{"exporter":"\#(mode)","spans":\#(count / 5 * 5),"wall_ms":\#(wall),"cpu_ms":\#(cpuMilliseconds() - cpuStart)}"#)
