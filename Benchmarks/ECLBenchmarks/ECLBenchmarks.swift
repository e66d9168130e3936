import Benchmark
import CoreMetrics
import ECLCore
@_spi(Pipeline) import ECLLogSQL
import ECLLogging
import Foundation
import Logging
import LogLineCore
@_spi(Pipeline) import OTLPExporter
import ServiceContextModule
import Synchronization
import TestSupport
import Tracing

/// Exact allocation counts need these metrics alone (mixing in CPU or RSS metrics adds the sampler's own).
let precise: [BenchmarkMetric] = [.wallClock, .mallocCountTotal, .throughput]

/// Six metadata fields, as the log-line benchmark asks.
let sixFields: Logger.Metadata = [
    "workflow_id": "3f2b8c1e-1234-4abc-9def-00112233aabb", "step_id": "generate", "attempt": .stringConvertible(2),
    "duration_ms": .stringConvertible(12.5), "model": "claude-sonnet-4-5", "tokens_used": .stringConvertible(512),
]

/// A logger of `format` writing to a buffered sink on /dev/null.
func logger(_ format: LogFormat, level: LogLevel = .info) -> Logger {
    let sink = try! LogSink(output: .file("/dev/null"))
    let factory = try! ECLLoggingSystem.handlerFactory(config: LogConfig(level: level, format: format, useColors: false), sink: sink)
    return Logger(label: "bench", factory: factory)
}

/// The SQL benchmark's writer, between its setup and its teardown.
enum SQLBench {
    static let current = Mutex<SQLLogWriter?>(nil)
    static var writer: SQLLogWriter? {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }
}

/// Throws batches away: the span benchmarks measure the caller's side.
struct DiscardingExporter: BatchExporter {
    var destination: String { "discard" }
    func export(_ batch: EncodedBatch, deadline: Double) -> ExportOutcome { .delivered }
}

let resource = OTLPResource(configuration: OTLPConfiguration(serviceName: "bench"), scopeName: "ecl")
let encoder = OTLPJSONEncoder(resource: resource)

/// A span like ECL's step spans: five attributes, a parent.
func sampleSpan(_ index: Int) -> SpanData {
    SpanData(
        traceID: TraceID(high: 0x3f2b_8c1e_1234_4abc, low: 0x9def_0011_2233_aabb)!, spanID: SpanID(UInt64(index) + 1)!,
        parentSpanID: SpanID(0xabcdef), name: "step generate", kind: .internal,
        startTimeUnixNano: 1_764_081_908_000_000_000 + UInt64(index), endTimeUnixNano: 1_764_081_908_002_000_000 + UInt64(index),
        attributes: [
            TelemetryAttribute("ecl.workflow.id", .string("3f2b8c1e-1234-4abc-9def-00112233aabb")),
            TelemetryAttribute("ecl.step.id", .string("generate")), TelemetryAttribute("ecl.step.name", .string("Generate draft")),
            TelemetryAttribute("ecl.step.attempt", .int(1)), TelemetryAttribute("ecl.step.execution_index", .int(0)),
        ])
}

let benchmarks: @Sendable () -> Void = {
    // Per-call benchmarks run 1000 calls a sample (scaled), so the timer's own cost is amortised.
    Benchmark.defaultConfiguration = .init(metrics: precise, scalingFactor: .kilo, maxDuration: .seconds(2), maxIterations: 10_000)

    for format in LogFormat.allCases {
        let log = logger(format)
        Benchmark("log line \(format.rawValue), 6 fields") { benchmark in
            for _ in benchmark.scaledIterations { log.info("Step succeeded", metadata: sixFields) }
        }
    }

    let bare = logger(.json)
    Benchmark("log line json, no fields") { benchmark in
        for _ in benchmark.scaledIterations { bare.info("Step succeeded") }
    }

    // As inside a step: the correlation (five fields) from the task's context, three fields at the call.
    let stepLogger = Logger(label: "bench", factory: try! ECLLoggingSystem.handlerFactory(
        config: LogConfig(level: .info, format: .json, useColors: false), sink: try! LogSink(output: .file("/dev/null")),
        metadataProvider: Correlation.metadataProvider))
    var stepContext = ServiceContext.topLevel
    var correlation = Correlation(workflowId: WorkflowId(), workflowName: "critique-revise")
    correlation.stepId = "generate"
    correlation.stepName = "Generate draft"
    correlation.attempt = 1
    stepContext.eclCorrelation = correlation
    let inStep = stepContext
    Benchmark("log line json in a step (correlation + 3 fields)") { benchmark in
        ServiceContext.withValue(inStep) {
            for _ in benchmark.scaledIterations {
                stepLogger.info("Step execution completed", metadata: [
                    "attempts": .stringConvertible(1), "duration_ms": .stringConvertible(0.052), "tokens_used": .stringConvertible(512),
                ])
            }
        }
    }

    let quiet = logger(.json, level: .warn)
    Benchmark("log call below the level") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(quiet.debug("Database operation", metadata: sixFields)) }
    }

    // The SQL log exporter on the caller's side: the event built (fields as JSON) and buffered; a writer thread
    // inserts batches of 1000 into a SQLite file meanwhile.
    // The database is made when this benchmark runs and removed after it (each benchmark runs in a process of
    // its own that registers them all: a file made here would be left behind by every other one).
    let sqlPath = FileManager.default.temporaryDirectory.appendingPathComponent("ecl-bench-\(UUID()).db").path
    Benchmark(
        "log line to the SQL exporter (async), 6 fields",
        closure: { benchmark in
            guard let writer = SQLBench.writer else { return }
            let sqlLog = Logger(label: "bench") { LogLineHandler(label: $0, level: .info, outputs: [writer]) }
            for _ in benchmark.scaledIterations { sqlLog.info("Step succeeded", metadata: sixFields) }
        },
        setup: { SQLBench.writer = SQLLogWriter(store: try SQLiteLogStore(path: sqlPath), bufferSize: 1000, synchronous: false, report: { _ in }) },
        teardown: {
            SQLBench.writer?.shutdown()
            SQLBench.writer = nil
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: sqlPath + suffix) }
        })

    let json = logger(.json)
    Benchmark("1000 log lines, json", configuration: .init(metrics: precise, scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations {
            for index in 0..<1000 { json.info("Step succeeded", metadata: ["attempt": .stringConvertible(index)]) }
        }
    }

    let processor = BatchProcessor<SpanData>(
        signal: .traces, configuration: BatchConfiguration(), encode: { encoder.encode(spans: $0) },
        exporter: DiscardingExporter(), spool: nil, report: { _ in })
    let tracer = OTLPTracer(processor: processor)
    var context = ServiceContext.topLevel
    context.eclCorrelation = Correlation(workflowId: WorkflowId(), workflowName: "bench")
    let parent = tracer.startSpan("workflow bench", context: context, ofKind: .internal, at: DefaultTracerClock.now, function: "", file: "", line: 0)
    let parentContext = parent.context
    // The attributes set as ECL's span builders set them: in one update.
    func spanBenchmark(_ name: String, tracer: OTLPTracer, context: ServiceContext) {
        Benchmark(name) { benchmark in
            for _ in benchmark.scaledIterations {
                let span = tracer.startSpan("step generate", context: context, ofKind: .internal, at: DefaultTracerClock.now, function: "", file: "", line: 0)
                span.updateAttributes { attributes in
                    attributes.reserveCapacity(3)
                    attributes["ecl.step.id"] = "generate"
                    attributes["ecl.step.attempt"] = 1
                    attributes["ecl.workflow.id"] = "3f2b8c1e-1234-4abc-9def-00112233aabb"
                }
                span.end()
            }
        }
    }
    spanBenchmark("span start + end, 3 attributes", tracer: tracer, context: parentContext)
    // OTEL_SDK_DISABLED: the front door's tracer passes contexts through and records nothing.
    let disabled = OTLPObservability(environment: ["OTEL_SDK_DISABLED": "true"]).tracer
    let disabledParent = disabled.startSpan("workflow w", context: .topLevel, ofKind: .internal, at: DefaultTracerClock.now, function: "", file: "", line: 0)
    spanBenchmark("span start + end, 3 attributes, OTEL_SDK_DISABLED", tracer: disabled, context: disabledParent.context)

    let batch = (0..<512).map(sampleSpan)
    Benchmark("OTLP JSON encode, 512 spans", configuration: .init(metrics: precise, scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(encoder.encode(spans: batch)) }
    }

    let logLines = (0..<512).map { index in
        LogLine(
            timeUnixNano: 1_764_081_908_000_000_000 + UInt64(index), level: .info, label: "ECLCore.Executor", message: "Step execution completed",
            fields: [
                "workflow_id": "3f2b8c1e-1234-4abc-9def-00112233aabb", "workflow_name": "critique-revise", "step_id": "generate",
                "step_name": "Generate draft", "attempt": .stringConvertible(1), "attempts": .stringConvertible(1),
                "duration_ms": .stringConvertible(0.052), "tokens_used": .stringConvertible(512),
            ],
            file: "ECLCore/StepExecutor.swift", line: 205,
            trace: LogTraceContext(traceIDHigh: 0x3f2b_8c1e_1234_4abc, traceIDLow: 0x9def_0011_2233_aabb, spanID: UInt64(index) + 1),
            order: ECLLoggingSystem.fieldOrder)
    }
    Benchmark("OTLP JSON encode, 512 log records", configuration: .init(metrics: precise, scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(encoder.encode(logs: logLines)) }
    }

    let encoded = encoder.encode(spans: batch)
    Benchmark("gzip, 512-span batch", configuration: .init(metrics: precise, scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(Gzip.compress(encoded)) }
    }

    // Metrics: an increment and a record on a held handler (the hot path), and a counter made and incremented
    // each time (a registry lookup, as the engine does per event).
    let metricsFactory = OTLPMetricsFactory()
    let heldCounter = CoreMetrics.Counter(label: "bench.count", dimensions: [("ecl.workflow.name", "critique-revise")], factory: metricsFactory)
    Benchmark("metrics: counter increment (held)") { benchmark in
        for _ in benchmark.scaledIterations { heldCounter.increment() }
    }
    let heldTimer = CoreMetrics.Timer(label: "bench.duration", dimensions: [("ecl.step.id", "generate")], factory: metricsFactory)
    Benchmark("metrics: histogram record (held timer)") { benchmark in
        for index in benchmark.scaledIterations { heldTimer.recordNanoseconds(Int64(index &* 7919 % 5_000_000_000)) }
    }
    Benchmark("metrics: counter made and incremented (lookup)") { benchmark in
        for _ in benchmark.scaledIterations {
            CoreMetrics.Counter(
                label: "bench.retries", dimensions: [("ecl.workflow.name", "critique-revise"), ("ecl.step.id", "generate"), ("error.type", "503")],
                factory: metricsFactory
            ).increment()
        }
    }

    // End to end: spans through the tracer, the batch processor and the HTTP exporter (gzip JSON) to a local
    // sink on 127.0.0.1, flushed; reports spans a second, bytes a span on the wire, and CPU.
    Benchmark(
        "export end to end, 20k spans, gzip to 127.0.0.1",
        configuration: .init(metrics: [.wallClock, .cpuTotal, .throughput, .custom("wire bytes / span", polarity: .prefersSmaller)],
                             scalingFactor: .one, maxDuration: .seconds(10), maxIterations: 20)
    ) { benchmark in
        let server = try! LocalHTTPServer(fallback: .respond(status: 200, body: "{}"))
        let configuration = OTLPHTTPConfiguration(tracesURL: server.baseURL + "/v1/traces", logsURL: server.baseURL + "/v1/logs")
        let exporter = OTLPHTTPExporter(signal: .traces, configuration: configuration, userAgent: "bench", report: { _ in })
        let pipeline = BatchProcessor<SpanData>(
            signal: .traces, configuration: BatchConfiguration(), encode: { encoder.encode(spans: $0) },
            exporter: exporter, spool: nil, report: { _ in })
        let tracer = OTLPTracer(processor: pipeline)
        benchmark.startMeasurement()
        for index in 0..<20_000 {
            let span = tracer.startSpan("step generate", context: parentContext, ofKind: .internal, at: DefaultTracerClock.now, function: "", file: "", line: 0)
            span.attributes["ecl.step.id"] = "generate"
            span.attributes["ecl.step.attempt"] = index % 3 + 1
            span.attributes["ecl.workflow.id"] = "3f2b8c1e-1234-4abc-9def-00112233aabb"
            span.end()
        }
        pipeline.shutdown(timeoutSeconds: 30)
        benchmark.stopMeasurement()
        let bytes = server.requests.reduce(0) { $0 + $1.body.count }
        benchmark.measurement(.custom("wire bytes / span", polarity: .prefersSmaller), bytes / 20_000)
        blackHole(pipeline.counters)
    }

    // A burst of a million spans: peak memory should be set by the queue's bound, not the number of spans.
    Benchmark(
        "burst of 1M spans, peak memory",
        configuration: .init(
            metrics: [.peakMemoryResident, .wallClock, .custom("spans delivered (k)"), .custom("spans left in the spool (k)"), .custom("spans lost")],
            scalingFactor: .one, maxDuration: .seconds(30), maxIterations: 3)
    ) { benchmark in
        let server = try! LocalHTTPServer(fallback: .respond(status: 200, body: "{}"))
        let configuration = OTLPHTTPConfiguration(tracesURL: server.baseURL + "/v1/traces", logsURL: server.baseURL + "/v1/logs")
        let exporter = OTLPHTTPExporter(signal: .traces, configuration: configuration, userAgent: "bench", report: { _ in })
        let spill = FileManager.default.temporaryDirectory.appendingPathComponent("bench-spool-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: spill) }
        let pipeline = BatchProcessor<SpanData>(
            signal: .traces, configuration: BatchConfiguration(), encode: { encoder.encode(spans: $0) },
            exporter: exporter, spool: try! Spool(directory: spill, signal: .traces), report: { _ in })
        let tracer = OTLPTracer(processor: pipeline)
        for _ in 0..<1_000_000 {
            let span = tracer.startSpan("step generate", context: parentContext, ofKind: .internal, at: DefaultTracerClock.now, function: "", file: "", line: 0)
            span.attributes["ecl.step.id"] = "generate"
            span.end()
        }
        pipeline.shutdown(timeoutSeconds: 60)
        let counters = pipeline.counters
        benchmark.measurement(.custom("spans delivered (k)"), counters.delivered / 1000)
        benchmark.measurement(.custom("spans left in the spool (k)"), (counters.spooled - counters.drained) / 1000)
        benchmark.measurement(.custom("spans lost"), counters.lost)
    }
}
