import Foundation
import Instrumentation
import LogLineCore
import Logging
@_spi(Pipeline) import OTLPExporter
import ServiceContextModule
import Tracing
import Testing

struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
}

struct DictionaryExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}

@Suite struct RandomIDTests {
    @Test func randomIdsAreDistinctOnEveryThreadAndSpreadOverTheirBits() async {
        // Four threads' generators (each seeded on its own), 5,000 ids each: no repeat, no zero, every bit used.
        let batches = await withTaskGroup(of: [UInt64].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    await Task.detached { (0..<5_000).map { _ in SpanID.random().value } }.value
                }
            }
            var all: [[UInt64]] = []
            for await batch in group { all.append(batch) }
            return all
        }
        let ids = batches.flatMap { $0 }
        #expect(Set(ids).count == 20_000)
        #expect(!ids.contains(0))
        #expect(ids.reduce(0, |) == UInt64.max)
        #expect(ids.reduce(UInt64.max, &) == 0)
        let traces = (0..<5_000).map { _ in TraceID.random() }
        #expect(Set(traces).count == 5_000)
        #expect(Set(traces.map(\.high)).count == 5_000 && Set(traces.map(\.low)).count == 5_000)
    }
}

@Suite struct OTLPLogOutputTests {
    @Test func linesGoToTheLogPipelineWithTheSpanTheyWereLoggedIn() throws {
        let exporter = ScriptedExporter()
        let encoder = OTLPJSONEncoder(resource: OTLPResource(attributes: [], scopeName: "t"))
        let logs = BatchProcessor<LogLine>(
            signal: .logs, configuration: BatchConfiguration(), encode: { encoder.encode(logs: $0) }, exporter: exporter, spool: nil,
            report: { _ in })
        let logger = Logger(label: "plugin.user") { OTLPLogOutput.handler(label: $0, level: .info, processor: logs) }
        let tracer = OTLPTracer(processor: CollectingProcessor())
        let span = tracer.startSpan("work", context: .topLevel, ofKind: .internal, at: DefaultTracerClock.now, function: "", file: "", line: 0)
        ServiceContext.withValue(span.context) {
            logger.info("inside", metadata: ["n": .stringConvertible(1)])
        }
        logger.debug("below the level")
        logger.warning("outside")
        span.end()
        #expect(logs.forceFlush(timeoutSeconds: 10))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(exporter.batches.first?.json ?? [])) as? [String: Any])
        let scope = try #require(((document["resourceLogs"] as? [[String: Any]])?.first?["scopeLogs"] as? [[String: Any]])?.first)
        #expect((scope["scope"] as? [String: Any])?["name"] as? String == "plugin.user")
        let records = try #require(scope["logRecords"] as? [[String: Any]])
        #expect(records.count == 2)
        #expect(records[0]["traceId"] as? String == span.spanContext.traceID.description)
        #expect(records[0]["spanId"] as? String == span.spanContext.spanID.description)
        #expect(records[1]["traceId"] == nil && records[1]["severityText"] as? String == "WARN")
        logs.shutdown(timeoutSeconds: 5)
    }
}

@Suite struct TracerTests {
    let processor = CollectingProcessor()
    var tracer: OTLPTracer { OTLPTracer(processor: processor) }

    @Test func childrenShareTheTraceAndNameTheirParent() throws {
        let root = tracer.startSpan("root", context: .topLevel, ofKind: .server, at: DefaultTracerClock.now, function: #function, file: #fileID, line: #line)
        let child = tracer.startSpan("child", context: root.context, ofKind: .client, at: DefaultTracerClock.now, function: #function, file: #fileID, line: #line)
        child.attributes["n"] = 3
        child.attributes["s"] = "x"
        child.attributes["flag"] = true
        child.attributes["ratio"] = 0.5
        child.attributes["list"] = ["a", "b"]
        child.addEvent(SpanEvent(name: "note", attributes: ["k": "v"]))
        child.recordError(CancellationError())
        child.setStatus(SpanStatus(code: .error, message: "failed"))
        child.addLink(SpanLink(context: root.context, attributes: [:]))
        child.end()
        child.end()
        root.setStatus(SpanStatus(code: .ok))
        root.setStatus(SpanStatus(code: .error, message: "ignored after OK"))
        root.end()

        let ended = processor.ended
        #expect(ended.map(\.name) == ["child", "root"])
        let (childData, rootData) = (ended[0], ended[1])
        #expect(childData.traceID == rootData.traceID)
        #expect(childData.parentSpanID == rootData.spanID)
        #expect(rootData.parentSpanID == nil)
        #expect(childData.kind == .client && rootData.kind == .server)
        #expect(childData.attributes.map(\.key) == ["flag", "list", "n", "ratio", "s"])
        #expect(childData.attributes.first { $0.key == "n" }?.value == .int(3))
        #expect(childData.attributes.first { $0.key == "list" }?.value == .array([.string("a"), .string("b")]))
        #expect(childData.events.map(\.name) == ["note", "exception"])
        #expect(childData.events[1].attributes.first { $0.key == "exception.type" }?.value == .string("Swift.CancellationError"))
        #expect(childData.statusCode == .error && childData.statusMessage == "failed")
        #expect(childData.links.first?.spanID == rootData.spanID)
        #expect(rootData.statusCode == .ok && rootData.statusMessage == nil)
        #expect(childData.endTimeUnixNano >= childData.startTimeUnixNano)
        #expect(processor.started.count == 2)
        #expect(tracer.activeSpan(identifiedBy: root.context)?.spanContext == root.spanContext)
        #expect(!root.isRecording)
    }

    @Test func traceparentIsInjectedAndExtracted() throws {
        let span = tracer.startSpan("out", context: .topLevel, ofKind: .client, at: DefaultTracerClock.now, function: #function, file: #fileID, line: #line)
        var headers: [String: String] = [:]
        tracer.inject(span.context, into: &headers, using: DictionaryInjector())
        #expect(headers["traceparent"] == "00-\(span.spanContext.traceID)-\(span.spanContext.spanID)-01")

        var context = ServiceContext.topLevel
        tracer.extract(["traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"], into: &context, using: DictionaryExtractor())
        let child = tracer.startSpan("in", context: context, ofKind: .server, at: DefaultTracerClock.now, function: #function, file: #fileID, line: #line)
        #expect(child.spanContext.traceID.description == "0af7651916cd43dd8448eb211c80319c")
        #expect(child.spanContext.parentSpanID?.description == "b7ad6b7169203331")
        var untouched = ServiceContext.topLevel
        tracer.extract(["traceparent": "00-00000000000000000000000000000000-b7ad6b7169203331-01"], into: &untouched, using: DictionaryExtractor())
        #expect(untouched.otlpRemoteParent == nil)
    }

    @Test func tracestateGoesFromTheParentToItsChildrenAndOut() throws {
        var context = ServiceContext.topLevel
        tracer.extract(
            ["traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate": " congo=t61rcWkgMzE ,, rojo=00f067aa0ba902b7"],
            into: &context, using: DictionaryExtractor())
        let server = tracer.startSpan("in", context: context, ofKind: .server, at: DefaultTracerClock.now, function: "", file: "", line: 0)
        let client = tracer.startSpan("out", context: server.context, ofKind: .client, at: DefaultTracerClock.now, function: "", file: "", line: 0)
        #expect(client.spanContext.traceState == "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7")
        var headers: [String: String] = [:]
        tracer.inject(client.context, into: &headers, using: DictionaryInjector())
        #expect(headers["tracestate"] == "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7")
        // Ended spans carry it, and so do links to them; the encoder writes it where OTLP has it.
        let linked = tracer.startSpan("later", context: .topLevel, ofKind: .internal, at: DefaultTracerClock.now, function: "", file: "", line: 0)
        linked.addLink(SpanLink(context: client.context, attributes: [:]))
        client.end()
        linked.end()
        let ended = processor.ended
        #expect(ended[0].traceState == "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7")
        #expect(ended[1].traceState == nil && ended[1].links.first?.traceState == "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7")
        let text = String(decoding: OTLPJSONEncoder(resource: OTLPResource(attributes: [], scopeName: "t")).encode(spans: ended), as: UTF8.self)
        #expect(text.components(separatedBy: #""traceState":"congo=t61rcWkgMzE,rojo=00f067aa0ba902b7""#).count == 3)
        // A new trace starts without one; an invalid one is dropped, and a tracestate without a traceparent.
        #expect(linked.spanContext.traceState == nil)
        var invalid = ServiceContext.topLevel
        tracer.extract(["traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate": "Upper=1"], into: &invalid, using: DictionaryExtractor())
        #expect(invalid.otlpRemoteParent != nil && invalid.otlpRemoteParent?.traceState == nil)
        var alone = ServiceContext.topLevel
        tracer.extract(["tracestate": "congo=1"], into: &alone, using: DictionaryExtractor())
        #expect(alone.otlpRemoteParent == nil)
        headers = [:]
        tracer.inject(linked.context, into: &headers, using: DictionaryInjector())
        #expect(headers["tracestate"] == nil)
    }

    @Test(arguments: [
        ("congo=t61rcWkgMzE", "congo=t61rcWkgMzE"), ("a=1, b=2", "a=1,b=2"), ("tenant@sys=v", "tenant@sys=v"), ("k/x*_-=a b", "k/x*_-=a b"),
        ("1tenant@sys=v", "1tenant@sys=v"), (String(repeating: " ", count: 600) + "a=1", "a=1"),
    ])
    func validTracestates(header: String, normalized: String) { #expect(W3CTraceContext.validState(header) == normalized) }

    @Test(arguments: ["", " , ", "Upper=1", "k=", "=v", "k=v,w", "k=a,b", "k=v=w", "foo=1,foo=1", "foo=1,foo=2", "1k=v", "1@Sys=v", "t@toolongsystemname=v",
                      String(repeating: "a=1,", count: 33), "k=" + String(repeating: "x", count: 257), "k=caf\u{E9}"])
    func invalidTracestates(header: String) { #expect(W3CTraceContext.validState(header) == nil) }

    @Test(arguments: [
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-00",
    ])
    func validTraceparents(header: String) { #expect(W3CTraceContext.parse(header) != nil) }

    @Test(arguments: [
        "", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331", "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01", "00-xyz7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
    ])
    func invalidTraceparents(header: String) { #expect(W3CTraceContext.parse(header) == nil) }

    @Test func idsAreNeverZeroAndPrintAsHex() {
        #expect(TraceID(high: 0, low: 0) == nil)
        #expect(SpanID(0) == nil)
        #expect(TraceID(hex: "0af7651916cd43dd8448eb211c80319c")?.bytes.first == 0x0a)
        #expect(TraceID(bytes: [UInt8](repeating: 1, count: 15)) == nil)
        #expect(SpanID(hex: "00000000000000ff")?.description == "00000000000000ff")
        #expect(TraceID.random() != TraceID.random())
        #expect(SpanID.random().description.count == 16)
    }

    struct FixedPolicy: SpanIDPolicy {
        func ids(for request: SpanIDRequest) -> (traceID: TraceID, spanID: SpanID)? {
            request.operationName == "fixed" ? (TraceID(high: 1, low: 2)!, SpanID(UInt64(request.childSequence) + 7)!) : nil
        }
    }

    @Test func aPolicyChoosesIdsAndSeesTheChildSequence() {
        let tracer = OTLPTracer(processor: processor, idPolicy: FixedPolicy())
        let root = tracer.startSpan("root", context: .topLevel, ofKind: .internal, at: DefaultTracerClock.now, function: #function, file: #fileID, line: #line)
        let first = tracer.startSpan("fixed", context: root.context, ofKind: .internal, at: DefaultTracerClock.now, function: #function, file: #fileID, line: #line)
        let second = tracer.startSpan("fixed", context: root.context, ofKind: .internal, at: DefaultTracerClock.now, function: #function, file: #fileID, line: #line)
        #expect(first.spanContext.spanID.value == 7)
        #expect(second.spanContext.spanID.value == 8)
        // Another trace than the parent's: a new root, no parent id.
        #expect(first.spanContext.parentSpanID == nil)
    }
}

@Suite struct ResourceTests {
    /// The resource of `code` with `environment` over it.
    func resource(_ environment: [String: String], code: OTLPConfiguration = OTLPConfiguration(), warn: (String) -> Void = { _ in }) -> OTLPResource {
        OTLPResource(configuration: code.applyingEnvironment(environment, warn: warn), scopeName: "ecl")
    }

    @Test func serviceNameAndResourceAttributesFromTheEnvironment() {
        var code = OTLPConfiguration(serviceName: "ecl-workflows")
        code.serviceVersion = "9.9"
        let resource = resource(
            ["OTEL_SERVICE_NAME": "billing", "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=prod, team=a%20b,service.name=ignored"], code: code)
        let values = Dictionary(uniqueKeysWithValues: resource.attributes.map { ($0.key, $0.value) })
        #expect(values["service.name"] == .string("billing"))
        #expect(values["service.version"] == .string("9.9"))
        #expect(values["telemetry.sdk.language"] == .string("swift"))
        #expect(values["deployment.environment"] == .string("prod"))
        #expect(values["team"] == .string("a b"))
        #expect(resource.attributes.first?.key == "service.name")
        // service.version from the environment is over the code's too.
        let versioned = self.resource(["OTEL_RESOURCE_ATTRIBUTES": "service.version=2.0"], code: code)
        #expect(versioned.attributes.contains(TelemetryAttribute("service.version", .string("2.0"))))
    }

    @Test func resourceAttributesNameTheServiceOverTheCodeWithoutOTELServiceName() {
        #expect(resource(["OTEL_RESOURCE_ATTRIBUTES": "service.name=from-attrs"], code: OTLPConfiguration(serviceName: "d")).attributes.first?.value
            == .string("from-attrs"))
        // Nothing anywhere: unknown_service and the process's name, as the semantic conventions say.
        guard case .string(let name)? = resource([:]).attributes.first?.value else { Issue.record("no service.name"); return }
        #expect(name.hasPrefix("unknown_service:") && name.count > "unknown_service:".count)
    }

    @Test func aMalformedValueIsReportedAndIgnored() {
        let warnings = Warnings()
        let resource = resource(["OTEL_RESOURCE_ATTRIBUTES": "good=1,broken"], code: OTLPConfiguration(serviceName: "ecl-workflows"), warn: { warnings.add($0) })
        #expect(warnings.all.count == 1)
        #expect(warnings.all.first?.contains("OTEL_RESOURCE_ATTRIBUTES") == true)
        #expect(!resource.attributes.contains { $0.key == "good" })
        #expect(resource.attributes.first?.value == .string("ecl-workflows"))
    }
}

final class Warnings: @unchecked Sendable {
    // Safe: every access goes through `lock`.
    private let lock = NSLock()
    private var lines: [String] = []

    func add(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
