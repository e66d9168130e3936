import Foundation
import InMemoryLogging
import LogLineCore
import Instrumentation
import Logging
@_spi(Pipeline) import OTLPExporter
import ServiceContextModule
import TestSupport
import Testing
import Tracing

/// ``OTLPObservability``, the front door's pipelines, against a recording receiver on 127.0.0.1: what the
/// environment says is what reaches the collector.
@Suite struct FrontDoorTests {
    /// What the receiver got, per signal: each request's headers and its decoded JSON.
    struct Received {
        var traces: [(headers: [String: String], document: [String: Any])] = []
        var logs: [(headers: [String: String], document: [String: Any])] = []

        init(_ server: LocalHTTPServer) throws {
            for request in server.requests {
                let body = request.headers["content-encoding"] == "gzip" ? Gzip.decompress(request.body) ?? [] : request.body
                let document = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
                if request.path.hasSuffix("/v1/traces") { traces.append((request.headers, document)) }
                if request.path.hasSuffix("/v1/logs") { logs.append((request.headers, document)) }
            }
        }

        /// Every span: trace id and name.
        var spans: [(trace: String, name: String)] {
            traces.flatMap { received in
                ((received.document["resourceSpans"] as? [[String: Any]]) ?? []).flatMap { ($0["scopeSpans"] as? [[String: Any]]) ?? [] }
                    .flatMap { ($0["spans"] as? [[String: Any]]) ?? [] }
                    .map { (($0["traceId"] as? String) ?? "", ($0["name"] as? String) ?? "") }
            }
        }

        /// Every log record: trace id ("" for none), severity text and body.
        var records: [(trace: String, severity: String, body: String)] {
            logs.flatMap { received in
                ((received.document["resourceLogs"] as? [[String: Any]]) ?? []).flatMap { ($0["scopeLogs"] as? [[String: Any]]) ?? [] }
                    .flatMap { ($0["logRecords"] as? [[String: Any]]) ?? [] }
                    .map {
                        (($0["traceId"] as? String) ?? "", ($0["severityText"] as? String) ?? "",
                         (($0["body"] as? [String: Any])?["stringValue"] as? String) ?? "")
                    }
            }
        }

        var serviceName: String? {
            let resource = (traces.first?.document["resourceSpans"] as? [[String: Any]])?.first?["resource"] as? [String: Any]
            let attributes = (resource?["attributes"] as? [[String: Any]]) ?? []
            let name = attributes.first { $0["key"] as? String == "service.name" }?["value"] as? [String: Any]
            return name?["stringValue"] as? String
        }
    }

    /// A span with a log line in it and one child, on `observability`'s own tracer and handler.
    func work(_ observability: OTLPObservability, name: String = "handle", warn: Bool = false) {
        let logger = Logger(label: "app") { observability.logHandler(label: $0) }
        let tracer = observability.tracer
        let root = tracer.startSpan(name, context: .topLevel, ofKind: .server, at: DefaultTracerClock.now, function: "", file: "", line: 0)
        ServiceContext.withValue(root.context) {
            logger.info("working")
            if warn { logger.warning("careful") }
            let child = tracer.startSpan("step", context: root.context, ofKind: .internal, at: DefaultTracerClock.now, function: "", file: "", line: 0)
            child.end()
        }
        root.end()
    }

    func diagnostics() -> (Logger, InMemoryLogHandler) {
        let handler = InMemoryLogHandler()
        return (Logger(label: "otlp", factory: { _ in handler }), handler)
    }

    @Test func bothSignalsGoWhereTheEnvironmentSaysWithTheirOwnSettings() throws {
        let server = try LocalHTTPServer()
        let (logger, warnings) = diagnostics()
        let observability = OTLPObservability(
            configuration: OTLPConfiguration(serviceName: "from-code"),
            environment: [
                "OTEL_EXPORTER_OTLP_ENDPOINT": server.baseURL, "OTEL_SERVICE_NAME": "checkout",
                "OTEL_EXPORTER_OTLP_HEADERS": "x-tenant=shared", "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "x-tenant=traces%20only",
                "OTEL_EXPORTER_OTLP_LOGS_COMPRESSION": "none",
            ],
            logger: logger)
        work(observability)
        #expect(observability.shutdown(timeoutSeconds: 10))
        let received = try Received(server)
        #expect(received.spans.map(\.name).sorted() == ["handle", "step"])
        #expect(received.records.map(\.body) == ["working"])
        #expect(received.traces.first?.headers["x-tenant"] == "traces only" && received.traces.first?.headers["content-encoding"] == "gzip")
        #expect(received.logs.first?.headers["x-tenant"] == "shared" && received.logs.first?.headers["content-encoding"] == nil)
        #expect(received.serviceName == "checkout")
        // The log line carries its span's trace.
        #expect(received.records.first?.trace == received.spans.first?.trace)
        #expect(observability.spanCounters?.delivered == 2 && observability.logCounters?.delivered == 1)
        #expect(warnings.entries.isEmpty)
    }

    @Test func noEnvironmentValueStopsItBadOnesAreWarnedAboutAndIgnored() throws {
        let server = try LocalHTTPServer()
        let (logger, warnings) = diagnostics()
        let observability = OTLPObservability(
            environment: [
                "OTEL_EXPORTER_OTLP_ENDPOINT": server.baseURL, "OTEL_EXPORTER_OTLP_TIMEOUT": "0", "OTEL_EXPORTER_OTLP_COMPRESSION": "deflate",
                "OTEL_BSP_MAX_QUEUE_SIZE": "-1", "OTEL_BLRP_SCHEDULE_DELAY": "abc", "OTEL_TRACES_SAMPLER": "sometimes",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
            ],
            logger: logger)
        work(observability)
        #expect(observability.shutdown(timeoutSeconds: 10))
        let messages = warnings.entries.map { "\($0.message)" }
        #expect(messages.count == 5, "\(messages)")
        for name in ["OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BLRP_SCHEDULE_DELAY", "OTEL_TRACES_SAMPLER", "OTEL_EXPORTER_OTLP_PROTOCOL"] {
            #expect(messages.contains { $0.hasPrefix(name) }, "\(name): \(messages)")
        }
        #expect(try Received(server).spans.count == 2)
    }

    @Test func disabledExportsNothingAndRecordsNothing() throws {
        let server = try LocalHTTPServer()
        let observability = OTLPObservability(environment: ["OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": server.baseURL])
        let span = observability.tracer.startSpan("x", context: .topLevel, ofKind: .internal, at: DefaultTracerClock.now, function: "", file: "", line: 0)
        #expect(!span.isRecording)
        // The service's own lines still go to standard output (swift-log's default), not nowhere.
        #expect(observability.logHandler(label: "a") is StreamLogHandler)
        work(observability)
        #expect(observability.shutdown(timeoutSeconds: 10))
        #expect(observability.spanCounters == nil && observability.logCounters == nil)
        #expect(server.requests.isEmpty)
    }

    /// Disabled, the tracer records nothing but carries a request's context on unchanged (the setting "has
    /// no effect on propagators"); a span with no parent sends no context.
    @Test func disabledStillPropagates() {
        let observability = OTLPObservability(environment: ["OTEL_SDK_DISABLED": "true"])
        let tracer = observability.tracer
        let incoming = ["traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate": "congo=t61", "baggage": "k=v"]
        var context = ServiceContext.topLevel
        tracer.extract(incoming, into: &context, using: DictionaryExtractor())
        let span = tracer.startSpan("s", context: context, ofKind: .server, at: DefaultTracerClock.now, function: "", file: "", line: 0)
        let child = tracer.startSpan("c", context: span.context, ofKind: .client, at: DefaultTracerClock.now, function: "", file: "", line: 0)
        var outgoing: [String: String] = [:]
        tracer.inject(child.context, into: &outgoing, using: DictionaryInjector())
        #expect(outgoing == incoming)
        let root = tracer.startSpan("r", context: .topLevel, ofKind: .server, at: DefaultTracerClock.now, function: "", file: "", line: 0)
        var none: [String: String] = [:]
        tracer.inject(root.context, into: &none, using: DictionaryInjector())
        #expect(none.isEmpty && !root.isRecording)
        observability.shutdown(timeoutSeconds: 1)
    }

    /// Spans and logs sent to two collectors: one down does not hold back the other.
    @Test func eachCollectorIsWatchedOnItsOwn() throws {
        let server = try LocalHTTPServer()
        let closed = try freeLocalPort()
        let (logger, warnings) = diagnostics()
        let observability = OTLPObservability(
            environment: ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:\(closed)/v1/traces", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": server.baseURL + "/v1/logs"],
            logger: logger)
        for _ in 0..<3 { work(observability) }
        observability.shutdown(timeoutSeconds: 5)
        #expect(observability.logCounters?.delivered == 3)
        #expect(observability.spanCounters?.lost == 6)
        let messages = warnings.entries.map { "\($0.message)" }
        #expect(messages.contains { $0.contains("the collector at http://127.0.0.1:\(closed) is not taking batches") }, "\(messages)")
        #expect(!messages.contains { $0.contains(server.baseURL) }, "\(messages)")
    }

    @Test func alwaysOffExportsNoSpanButWarningsStillGo() throws {
        let server = try LocalHTTPServer()
        let observability = OTLPObservability(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": server.baseURL, "OTEL_TRACES_SAMPLER": "always_off"])
        work(observability, warn: true)
        #expect(observability.shutdown(timeoutSeconds: 10))
        let received = try Received(server)
        #expect(received.spans.isEmpty)
        // The info line went with its dropped trace; the warning is kept.
        #expect(received.records.map(\.severity) == ["WARN"])
    }

    /// `traceidratio` keeps or drops whole traces: every span and info line of a kept trace, none of a
    /// dropped one, and every warning.
    @Test func aRatioKeepsWholeTraces() throws {
        let server = try LocalHTTPServer()
        let observability = OTLPObservability(
            environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": server.baseURL, "OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.5"])
        for index in 0..<200 { work(observability, name: "trace \(index)", warn: true) }
        #expect(observability.shutdown(timeoutSeconds: 10))
        let received = try Received(server)
        let spanTraces = Dictionary(grouping: received.spans, by: \.trace)
        let kept = Set(spanTraces.keys)
        #expect(kept.count > 0 && kept.count < 200, "\(kept.count) of 200 kept")
        #expect(spanTraces.values.allSatisfy { $0.count == 2 }, "a trace lost some of its spans")
        // Each kept trace is the one the sampler keeps, by its id.
        for trace in kept { #expect(OTLPSampler.traceIDRatio(0.5).shouldSample(traceID: try #require(TraceID(hex: trace)), parent: nil)) }
        let infos = received.records.filter { $0.severity == "INFO" }
        #expect(Set(infos.map(\.trace)) == kept && infos.count == kept.count)
        #expect(received.records.filter { $0.severity == "WARN" }.count == 200)
    }

    /// shutdown says whether anything was lost; what comes after it is counted lost, not forgotten.
    @Test func shutdownSaysWhatWasLostAndCountsWhatCameAfter() throws {
        let server = try LocalHTTPServer()
        let good = OTLPObservability(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": server.baseURL], logger: diagnostics().0)
        work(good)
        #expect(good.shutdown(timeoutSeconds: 10))
        work(good)
        #expect(good.spanCounters?.lost == 2 && good.logCounters?.lost == 1)
        let closed = try freeLocalPort()
        let down = OTLPObservability(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(closed)"], logger: diagnostics().0)
        work(down)
        #expect(!down.shutdown(timeoutSeconds: 5))
    }

    @Test func thePresets() throws {
        let development = OTLPConfiguration.development(serviceName: "s")
        #expect(development.traces.exporters == [.console] && development.logs.exporters == [.console] && development.logLevel == .debug)
        #expect(development.destinations.signals.isEmpty)
        // Production keeps what a collector that is down cannot take (the next run sends it).
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("preset-spool-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let closed = try freeLocalPort()
        let down = OTLPObservability(
            configuration: .production(serviceName: "s", spoolDirectory: directory),
            environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(closed)"], logger: diagnostics().0)
        work(down)
        down.shutdown(timeoutSeconds: 5)
        #expect(down.spanCounters?.spooled == 2 && down.spanCounters?.lost == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).contains { $0.hasPrefix("traces@") })
    }

    @Test func theConsoleExporterAndNoneNeedNoCollector() throws {
        let server = try LocalHTTPServer()
        let observability = OTLPObservability(
            environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": server.baseURL, "OTEL_TRACES_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none"])
        work(observability)
        #expect(observability.shutdown(timeoutSeconds: 10))
        #expect(observability.spanCounters == nil && server.requests.isEmpty)
    }

    @Test func anEndpointSetInCodeThatCannotBeUsedIsAWarning() throws {
        var configuration = OTLPConfiguration()
        configuration.traces.endpoint = "localhost:4318"
        let (logger, warnings) = diagnostics()
        let observability = OTLPObservability(configuration: configuration, environment: ["OTEL_LOGS_EXPORTER": "none"], logger: logger)
        #expect(observability.spanCounters == nil)
        #expect(warnings.entries.map { "\($0.message)" } == [
            "the traces endpoint: 'localhost:4318' is not accepted; expected an http:// or https:// URL such as http://127.0.0.1:4318; spans are not exported",
        ])
        observability.shutdown(timeoutSeconds: 1)
    }
}

@Suite struct SamplingTests {
    func start(_ tracer: OTLPTracer, _ context: ServiceContext = .topLevel) -> OTLPSpan {
        tracer.startSpan("s", context: context, ofKind: .internal, at: DefaultTracerClock.now, function: "", file: "", line: 0)
    }

    @Test func aParentBasedSamplerFollowsARemoteParent() {
        let processor = CollectingProcessor()
        let tracer = OTLPTracer(processor: processor)
        for (flags, recorded) in [("00", false), ("01", true)] {
            var context = ServiceContext.topLevel
            tracer.extract(["traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-\(flags)"], into: &context, using: DictionaryExtractor())
            let span = start(tracer, context)
            #expect(span.isRecording == recorded)
            // Children and outgoing requests carry the decision.
            let child = start(tracer, span.context)
            var headers: [String: String] = [:]
            tracer.inject(child.context, into: &headers, using: DictionaryInjector())
            #expect(headers["traceparent"]?.hasSuffix("-\(flags)") == true)
            child.end()
            span.end()
        }
        #expect(processor.ended.count == 2 && processor.ended.allSatisfy { $0.flags == 1 })
    }

    @Test func theRatioSamplersThreshold() throws {
        let low = try #require(TraceID(high: 1, low: 0x0000_0000_0000_0001))
        let high = try #require(TraceID(high: 1, low: 0x00FF_FFFF_FFFF_FFFF))
        #expect(!OTLPSampler.traceIDRatio(0.5).shouldSample(traceID: low, parent: nil))
        #expect(OTLPSampler.traceIDRatio(0.5).shouldSample(traceID: high, parent: nil))
        #expect(OTLPSampler.traceIDRatio(1).shouldSample(traceID: low, parent: nil))
        #expect(!OTLPSampler.traceIDRatio(0).shouldSample(traceID: high, parent: nil))
        #expect(OTLPSampler.parentBased(root: .traceIDRatio(0.25)).description == "ParentBased{root=TraceIdRatioBased{0.25}}")
    }

    @Test func baggageRoundTrips() {
        let tracer = OTLPTracer(processor: CollectingProcessor())
        var context = ServiceContext.topLevel
        tracer.extract(["baggage": "user.id=alice%20b, bad key=1,tier=gold;ttl=30,user.id=bob"], into: &context, using: DictionaryExtractor())
        #expect(context.otlpBaggage == [.init(name: "tier", value: "gold", properties: "ttl=30"), .init(name: "user.id", value: "bob")])
        let span = start(tracer, context)
        var child = span.context
        child.otlpBaggage.append(.init(name: "note", value: "a,b;c"))
        var headers: [String: String] = [:]
        tracer.inject(child, into: &headers, using: DictionaryInjector())
        #expect(headers["baggage"] == "tier=gold;ttl=30,user.id=bob,note=a%2Cb%3Bc")
        #expect(W3CBaggage.parse(headers["baggage"]!).last?.value == "a,b;c")
        // What does not belong in a header is left out or escaped; escapes that are not UTF-8 become U+FFFD.
        var crafted = ServiceContext.topLevel
        crafted.otlpBaggage = [.init(name: "a", value: "1", properties: "ok;bad key;x=y\r\nInjected: 1;p=q")]
        var sent: [String: String] = [:]
        tracer.inject(crafted, into: &sent, using: DictionaryInjector())
        #expect(sent["baggage"] == "a=1;ok;p=q")
        #expect(W3CBaggage.parse("a=%FF%41,b=100%zz,c=%E2%82%AC").map(\.value) == ["\u{FFFD}A", "100%zz", "€"])
        // A header past 8192 bytes: the members that fit are taken.
        let long = (0..<100).map { "k\($0)=\(String(repeating: "v", count: 200))" }.joined(separator: ",")
        let taken = W3CBaggage.parse(long)
        #expect(taken.count > 0 && taken.count < 64 && taken.first?.name == "k0")
        // No propagator: nothing in, nothing out.
        let silent = OTLPTracer(processor: CollectingProcessor(), propagators: [])
        var none = ServiceContext.topLevel
        silent.extract(["baggage": "a=1", "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"], into: &none, using: DictionaryExtractor())
        #expect(none.otlpBaggage.isEmpty && none.otlpRemoteParent == nil)
        span.end()
    }
}

@Suite struct LimitsTests {
    @Test func aSpanKeepsWhatItsLimitsAllowAndCountsTheRest() throws {
        var limits = SpanLimits()
        limits.attributes = AttributeLimits(count: 2, valueLength: 3)
        limits.eventCount = 1
        limits.linkCount = 1
        limits.attributesPerEvent = 1
        limits.attributesPerLink = 0
        let processor = CollectingProcessor()
        let tracer = OTLPTracer(processor: processor, limits: limits)
        let other = tracer.startSpan("other", context: .topLevel, ofKind: .internal, at: DefaultTracerClock.now, function: "", file: "", line: 0)
        let span = tracer.startSpan("limited", context: .topLevel, ofKind: .internal, at: DefaultTracerClock.now, function: "", file: "", line: 0)
        span.updateAttributes { attributes in
            attributes["d"] = "dddddd"
            attributes["a"] = "abcdef"
            attributes["b"] = ["xyzw", "12"]
            attributes["c"] = 3
        }
        for index in 0..<3 { span.addEvent(SpanEvent(name: "e\(index)", attributes: ["k1": "v", "k2": "w"])) }
        span.addLink(SpanLink(context: other.context, attributes: ["why": "because"]))
        span.addLink(SpanLink(context: other.context, attributes: [:]))
        span.end()
        other.end()
        let data = try #require(processor.ended.first { $0.name == "limited" })
        #expect(data.attributes == [TelemetryAttribute("a", .string("abc")), TelemetryAttribute("b", .array([.string("xyz"), .string("12")]))])
        #expect(data.droppedAttributesCount == 2 && data.droppedEventsCount == 2 && data.droppedLinksCount == 1)
        #expect(data.events.map(\.name) == ["e0"] && data.events[0].attributes.count == 1 && data.events[0].droppedAttributesCount == 1)
        #expect(data.links.count == 1 && data.links[0].attributes.isEmpty && data.links[0].droppedAttributesCount == 1)

        let encoder = OTLPJSONEncoder(resource: OTLPResource(attributes: [], scopeName: "t"))
        let json = String(decoding: encoder.encode(spans: [data]), as: UTF8.self)
        #expect(json.contains(#""droppedAttributesCount":2"#) && json.contains(#""droppedEventsCount":2"#) && json.contains(#""droppedLinksCount":1"#))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("limits-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(json.utf8 + [10]).write(to: URL(fileURLWithPath: path))
        let validation = try OTLPSchemaValidator.run([path])
        #expect(validation.status == 0, "\(validation.output)")
    }

    @Test func aLogRecordKeepsItsFieldsFirstAndCountsTheRest() throws {
        let line = LogLine(
            timeUnixNano: 1, level: .info, label: "l", message: "m", fields: ["a": "long text", "b": "2", "c": "3"], file: "F.swift", line: 9)
        func record(_ limits: AttributeLimits) throws -> [String: Any] {
            let json = OTLPJSONEncoder(resource: OTLPResource(attributes: [], scopeName: "t"), logLimits: limits).encode(logs: [line])
            let document = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
            let scopes = ((document["resourceLogs"] as? [[String: Any]])?.first?["scopeLogs"] as? [[String: Any]])
            return try #require((scopes?.first?["logRecords"] as? [[String: Any]])?.first)
        }
        let cut = try record(AttributeLimits(count: 1, valueLength: 4))
        let attributes = try #require(cut["attributes"] as? [[String: Any]])
        #expect(attributes.count == 1 && (attributes[0]["value"] as? [String: Any])?["stringValue"] as? String == "long")
        #expect(cut["droppedAttributesCount"] as? Int == 4)
        // The location goes whole or not at all.
        let room = try record(AttributeLimits(count: 4))
        #expect((room["attributes"] as? [[String: Any]])?.count == 3 && room["droppedAttributesCount"] as? Int == 2)
        #expect(try record(AttributeLimits())["droppedAttributesCount"] == nil)
    }
}

@Suite struct SampledTraceGateTests {
    /// Lines written to it.
    final class Collected: LogLineOutput, @unchecked Sendable {
        // Safe: every access goes through `lock`.
        private let lock = NSLock()
        private var stored: [LogLine] = []
        func write(_ line: LogLine) { lock.withLock { stored.append(line) } }
        var lines: [LogLine] { lock.withLock { stored } }
    }

    /// A trace of a root and a child, each with an info line and the root with a warning; the root fails or not.
    func trace(_ tracer: OTLPTracer, _ logger: Logger, fails: Bool) -> TraceID {
        let root = tracer.startSpan("workflow", context: .topLevel, ofKind: .internal, at: DefaultTracerClock.now, function: "", file: "", line: 0)
        ServiceContext.withValue(root.context) {
            logger.info("root info")
            logger.warning("root warning")
            let child = tracer.startSpan("step", context: root.context, ofKind: .internal, at: DefaultTracerClock.now, function: "", file: "", line: 0)
            ServiceContext.withValue(child.context) { logger.info("child info") }
            child.end()
        }
        if fails { root.setStatus(SpanStatus(code: .error, message: "boom")) }
        root.end()
        return root.spanContext.traceID
    }

    @Test(arguments: [true, false])
    func aSampledOutTraceIsKeptWhenItFailsAndOnlyThen(keepFailed: Bool) {
        let spans = CollectingProcessor()
        let gate = SampledTraceGate(keepFailed: keepFailed, downstream: spans)
        let tracer = OTLPTracer(processor: gate, sampler: .alwaysOff, recordsUnsampled: keepFailed)
        let output = Collected()
        let logger = Logger(label: "t") {
            LogLineHandler(label: $0, level: .info, outputs: [output], traceContext: OTLPLogOutput.currentTraceContext, gate: gate)
        }
        let failed = trace(tracer, logger, fails: true)
        _ = trace(tracer, logger, fails: false)
        // Warnings go at once, from both traces.
        #expect(output.lines.filter { $0.level == .warning }.count == 2)
        let infos = output.lines.filter { $0.level == .info }
        if keepFailed {
            // The failed trace whole, marked sampled; nothing of the other.
            #expect(spans.ended.map(\.name).sorted() == ["step", "workflow"] && spans.ended.allSatisfy { $0.traceID == failed && $0.flags == 1 })
            #expect(spans.started.count == 2)
            #expect(infos.map(\.message).sorted() == ["child info", "root info"])
            #expect(infos.allSatisfy { $0.trace?.traceIDLow == failed.low && $0.trace?.flags == 1 })
            #expect(gate.keptTraces == 1)
        } else {
            #expect(spans.ended.isEmpty && infos.isEmpty)
        }
    }

    /// The trace's outcome is its root's, not that of the last span to end (a detached child may outlive it).
    @Test func theRootDecidesNotTheLastSpanToEnd() {
        for rootFails in [true, false] {
            let spans = CollectingProcessor()
            let gate = SampledTraceGate(keepFailed: true, downstream: spans)
            let tracer = OTLPTracer(processor: gate, sampler: .alwaysOff, recordsUnsampled: true)
            let root = tracer.startSpan("request", context: .topLevel, ofKind: .server, at: DefaultTracerClock.now, function: "", file: "", line: 0)
            let late = tracer.startSpan("background", context: root.context, ofKind: .internal, at: DefaultTracerClock.now, function: "", file: "", line: 0)
            root.setStatus(SpanStatus(code: rootFails ? .error : .ok))
            root.end()
            late.setStatus(SpanStatus(code: rootFails ? .ok : .error))
            late.end()
            #expect(spans.ended.count == (rootFails ? 2 : 0), "root fails: \(rootFails)")
        }
        // Limits set to nonsense after init do not trap.
        var limits = SpanLimits()
        limits.attributes.count = -5
        limits.attributes.valueLength = -1
        let collected = CollectingProcessor()
        let span = OTLPTracer(processor: collected, limits: limits)
            .startSpan("s", context: .topLevel, ofKind: .internal, at: DefaultTracerClock.now, function: "", file: "", line: 0)
        span.attributes["a"] = "x"
        span.end()
        #expect(collected.ended.first?.attributes.isEmpty == true && collected.ended.first?.droppedAttributesCount == 1)
        let json = OTLPJSONEncoder(resource: OTLPResource(attributes: [], scopeName: "t"), logLimits: {
            var logLimits = AttributeLimits()
            logLimits.count = -1
            logLimits.valueLength = -3
            return logLimits
        }()).encode(logs: [LogLine(timeUnixNano: 1, level: .info, label: "l", message: "m", fields: ["k": "v"], file: "F", line: 1)])
        #expect(String(decoding: json, as: UTF8.self).contains(#""droppedAttributesCount":3"#))
    }

    @Test func theBoundIsKept() {
        let spans = CollectingProcessor()
        let gate = SampledTraceGate(keepFailed: true, downstream: spans, maxHeldItems: 1)
        let tracer = OTLPTracer(processor: gate, sampler: .alwaysOff, recordsUnsampled: true)
        let logger = Logger(label: "t") {
            LogLineHandler(label: $0, level: .info, outputs: [Collected()], traceContext: OTLPLogOutput.currentTraceContext, gate: gate)
        }
        _ = trace(tracer, logger, fails: true)
        // The root's start was the one item held; the rest (two lines, the child's start, two ends) went over,
        // and, the trace having failed, they are counted lost; a start whose end was not held is not handed on.
        #expect(gate.overflowed == 5 && gate.lost == 5 && spans.ended.isEmpty && spans.started.isEmpty)
    }
}
