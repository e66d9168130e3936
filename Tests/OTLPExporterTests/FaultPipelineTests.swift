import Foundation
@_spi(Pipeline) import OTLPExporter
import TestSupport
import Testing

/// The whole pipeline (tracer's spans → batch processor → HTTP exporter → spool) against a server that
/// misbehaves: every span must end up delivered, spooled (collector unreachable) or set aside (refused), and
/// nothing the server answered 200 to may be sent again.
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
    func everySpanIsDeliveredSpooledOrSetAsideAndNoneTwice(fault: Fault) throws {
        let server = try LocalHTTPServer(script: fault.script, fallback: .respond(status: 200, body: #"{"partialSuccess":null}"#))
        let url = server.baseURL
        if fault == .connectionRefused { server.stop() }
        let spoolPath = temporaryPath("fault-spool")
        defer { try? FileManager.default.removeItem(atPath: spoolPath) }
        let spool = try Spool(directory: spoolPath, signal: .traces)
        let clock = FakeOTLPClock()
        // The timeout bounds a whole batch, retries included: 5 s leaves room for the scripted retries; the
        // slow collector outlasts 0.5 s, and its batch is sent later from the spool.
        let configuration = OTLPHTTPConfiguration(
            tracesURL: url + "/v1/traces", logsURL: url + "/v1/logs", timeoutSeconds: fault == .slowerThanTimeout ? 0.5 : 5)
        let exporter = OTLPHTTPExporter(signal: .traces, configuration: configuration, userAgent: "t", clock: clock, report: { _ in })
        let encoder = OTLPJSONEncoder(resource: OTLPResource(attributes: [], scopeName: "t"))
        let processor = BatchProcessor<SpanData>(
            signal: .traces, configuration: BatchConfiguration(maxExportBatchSize: 50, scheduledDelaySeconds: 60, exportTimeoutSeconds: 30),
            encode: { encoder.encode(spans: $0) }, exporter: exporter, spool: spool, clock: clock, report: { _ in })
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
            return self.spanIDs(in: body)
        }
        func idsInFile(_ path: String) throws -> [String] {
            guard FileManager.default.fileExists(atPath: path) else { return [] }
            return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").flatMap { self.spanIDs(in: Array($0.utf8)) }
        }
        let segments = try FileManager.default.contentsOfDirectory(atPath: spoolPath).filter { $0.hasPrefix("traces-") }
        let spooled = try segments.flatMap { try idsInFile(spoolPath + "/" + $0) }
        let refused = try idsInFile(spool.rejectedPath)
        let kept = spooled + refused
        #expect(Set(accepted).count == accepted.count, "a span the server accepted was sent again")
        #expect(Set(accepted).isDisjoint(with: kept))
        #expect(Set(accepted).union(kept) == sent)
        #expect(accepted.count + kept.count == 120)
        switch fault {
        case .badRequest: #expect(refused.count == 50 && spooled.isEmpty)
        case .connectionRefused: #expect(spooled.count == 120 && refused.isEmpty)
        default: #expect(kept.isEmpty)
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
