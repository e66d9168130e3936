import Foundation
import OTLPExporter
import TestSupport
import Testing

/// The whole pipeline (tracer's spans → batch processor → HTTP exporter → fallback file) against a server that
/// misbehaves: every span must end up delivered or in the fallback file, and nothing the server answered 200
/// to may be sent again.
@Suite struct FaultPipelineTests {
    enum Fault: String, CaseIterable, Sendable {
        case unavailableWithRetryAfter, rateLimited, badRequest, slowerThanTimeout, connectionRefused, closedMidRequest

        var script: [LocalHTTPServer.Reply] {
            switch self {
            case .unavailableWithRetryAfter: [.respond(status: 503, headers: ["Retry-After": "1"])]
            case .rateLimited: [.respond(status: 429), .respond(status: 429)]
            case .badRequest: [.respond(status: 400, body: "invalid")]
            case .slowerThanTimeout: [.hang(seconds: 1.5)]
            case .connectionRefused: []
            case .closedMidRequest: [.drop]
            }
        }
    }

    @Test(arguments: Fault.allCases)
    func everySpanIsDeliveredOrInTheFallbackFileAndNoneTwice(fault: Fault) throws {
        let server = try LocalHTTPServer(script: fault.script, fallback: .respond(status: 200, body: #"{"partialSuccess":null}"#))
        let url = server.baseURL
        if fault == .connectionRefused { server.stop() }
        let fallbackPath = temporaryPath("fault-fallback") + ".jsonl"
        defer { try? FileManager.default.removeItem(atPath: fallbackPath) }
        let clock = FakeOTLPClock()
        let configuration = OTLPHTTPConfiguration(tracesURL: url + "/v1/traces", logsURL: url + "/v1/logs", timeoutSeconds: 0.5)
        let exporter = OTLPHTTPExporter(signal: .traces, configuration: configuration, userAgent: "t", clock: clock, report: { _ in })
        let encoder = OTLPJSONEncoder(resource: OTLPResource(attributes: [], scopeName: "t"))
        let processor = BatchProcessor<SpanData>(
            signal: .traces, configuration: BatchConfiguration(maxExportBatchSize: 50, scheduledDelaySeconds: 60, exportTimeoutSeconds: 30),
            encode: { encoder.encode(spans: $0) }, exporters: [exporter], fallback: try JSONLFile(path: fallbackPath, option: "fallback"),
            clock: clock, report: { _ in })
        let tracer = OTLPTracer(processor: processor)
        var sent = Set<String>()
        for index in 0..<120 {
            let span = tracer.startSpan("s\(index)", context: .topLevel, ofKind: .internal, at: DefaultTracerClockNow(), function: "", file: "", line: 0)
            sent.insert(span.spanContext.spanID.description)
            span.end(at: DefaultTracerClockNow())
        }
        processor.shutdown(timeoutSeconds: 30)

        // What the server accepted: bodies of requests it answered 200 (every request after the scripted faults).
        let faults = fault == .connectionRefused ? 0 : fault.script.count
        let accepted = server.requests.dropFirst(faults).flatMap { request -> [String] in
            let body = request.headers["content-encoding"] == "gzip" ? Gzip.decompress(request.body) ?? [] : request.body
            return spanIDs(in: body)
        }
        let fellBack = try String(contentsOfFile: fallbackPath, encoding: .utf8).split(separator: "\n").flatMap { spanIDs(in: Array($0.utf8)) }
        #expect(Set(accepted).count == accepted.count, "a span the server accepted was sent again")
        #expect(Set(accepted).isDisjoint(with: fellBack))
        #expect(Set(accepted).union(fellBack) == sent)
        #expect(accepted.count + fellBack.count == 120)
        switch fault {
        case .badRequest: #expect(fellBack.count == 50)
        case .connectionRefused: #expect(fellBack.count == 120)
        default: #expect(fellBack.isEmpty)
        }
    }

    func spanIDs(in body: [UInt8]) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return [] }
        return ((object["resourceSpans"] as? [[String: Any]]) ?? []).flatMap { resource in
            ((resource["scopeSpans"] as? [[String: Any]]) ?? []).flatMap { scope in
                ((scope["spans"] as? [[String: Any]]) ?? []).compactMap { $0["spanId"] as? String }
            }
        }
    }
}

import Tracing

func DefaultTracerClockNow() -> DefaultTracerClock.Instant { DefaultTracerClock.now }
