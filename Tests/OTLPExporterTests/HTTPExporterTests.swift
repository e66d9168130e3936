import Foundation
@_spi(Pipeline) import OTLPExporter
import TestSupport
import Testing

@Suite struct HTTPExporterTests {
    let clock = FakeOTLPClock()
    let warnings = Warnings()
    let batch = EncodedBatch(signal: .traces, json: Array(#"{"resourceSpans":[]}"#.utf8), itemCount: 3)

    func exporter(_ server: LocalHTTPServer, compression: OTLPHTTPConfiguration.Compression = .gzip, timeout: Double = 5, headers: [OTLPHTTPConfiguration.Header] = []) -> OTLPHTTPExporter {
        let configuration = OTLPHTTPConfiguration(
            tracesURL: server.baseURL + "/v1/traces", logsURL: server.baseURL + "/v1/logs", headers: headers,
            compression: compression, timeoutSeconds: timeout)
        return OTLPHTTPExporter(signal: .traces, configuration: configuration, userAgent: "test/1", clock: clock, report: { warnings.add($0) })
    }

    @Test func theGzipLevelIsTheConfiguredOne() throws {
        let server = try LocalHTTPServer()
        // A batch that compresses differently at the two ends of the scale.
        let text = (0..<2000).map { #"{"name":"span \#($0 % 97)","id":"\#(($0 * 7919) % 10007)"}"# }.joined(separator: ",")
        let big = EncodedBatch(signal: .traces, json: Array("[\(text)]".utf8), itemCount: 2000)
        var sizes: [Int] = []
        for level: Int32 in [1, 9] {
            var configuration = OTLPHTTPConfiguration(tracesURL: server.baseURL + "/v1/traces", logsURL: server.baseURL + "/v1/logs")
            configuration.setGzipLevel(level)
            let exporter = OTLPHTTPExporter(signal: .traces, configuration: configuration, userAgent: "t", clock: clock, report: { warnings.add($0) })
            #expect(exporter.export(big, deadline: clock.now() + 30) == .delivered)
            let body = try #require(server.requests.last?.body)
            #expect(Gzip.decompress(body) == big.json)
            sizes.append(body.count)
        }
        #expect(sizes[1] < sizes[0], "\(sizes)")
        #expect(OTLPHTTPConfiguration(tracesURL: "http://h", logsURL: "").traces?.gzipLevel == 3)
    }

    @Test func postsGzipJSONWithHeaders() throws {
        let server = try LocalHTTPServer(script: [.respond(status: 200, body: #"{"partialSuccess":null}"#)])
        let outcome = exporter(server, headers: [.init(name: "x-api-key", value: "k")]).export(batch, deadline: clock.now() + 30)
        #expect(outcome == .delivered)
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/v1/traces")
        #expect(request.headers["content-type"] == "application/json")
        #expect(request.headers["content-encoding"] == "gzip")
        #expect(request.headers["x-api-key"] == "k")
        #expect(request.headers["user-agent"] == "test/1")
        #expect(Gzip.decompress(request.body) == batch.json)
        #expect(warnings.all.isEmpty)
    }

    @Test func uncompressedWhenAsked() throws {
        let server = try LocalHTTPServer()
        #expect(exporter(server, compression: .none).export(batch, deadline: clock.now() + 30) == .delivered)
        #expect(server.requests.first?.body == batch.json)
        #expect(server.requests.first?.headers["content-encoding"] == nil)
    }

    @Test func honoursRetryAfterSecondsThenDeliversOnce() throws {
        let server = try LocalHTTPServer(script: [.respond(status: 503, headers: ["Retry-After": "2"]), .respond(status: 200)])
        #expect(exporter(server).export(batch, deadline: clock.now() + 30) == .delivered)
        #expect(clock.sleeps == [2])
        #expect(server.requests.count == 2)
        #expect(server.requests[0].body == server.requests[1].body)
    }

    @Test func honoursRetryAfterAsAnHTTPDate() throws {
        let wall = clock.wallNow()
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let date = formatter.string(from: Date(timeIntervalSince1970: wall + 7))
        #expect(OTLPHTTPExporter.retryAfterSeconds(date, wallNow: wall).map { abs($0 - 7) < 1.001 } == true)
        #expect(OTLPHTTPExporter.retryAfterSeconds("soon", wallNow: wall) == nil)
        #expect(OTLPHTTPExporter.retryAfterSeconds("-3", wallNow: wall) == nil)
    }

    @Test(arguments: [429, 502, 504])
    func retryableStatusesBackOffWithJitter(status: Int) throws {
        let server = try LocalHTTPServer(script: [.respond(status: status), .respond(status: status), .respond(status: 200)])
        #expect(exporter(server).export(batch, deadline: clock.now() + 30) == .delivered)
        #expect(server.requests.count == 3)
        #expect(clock.sleeps.count == 2)
        #expect(clock.sleeps[0] <= 1 && clock.sleeps[1] <= 2)
    }

    @Test(arguments: [400, 401, 404, 413])
    func otherStatusesAreNeverRetried(status: Int) throws {
        let server = try LocalHTTPServer(script: [.respond(status: status, body: "bad payload")])
        let outcome = exporter(server).export(batch, deadline: clock.now() + 30)
        #expect(outcome == .rejected("HTTP \(status), not retried: bad payload"))
        #expect(server.requests.count == 1)
        #expect(clock.sleeps.isEmpty)
    }

    @Test func retriesStopAtTheDeadline() throws {
        let server = try LocalHTTPServer(fallback: .respond(status: 503))
        guard case .unavailable(let reason) = exporter(server).export(batch, deadline: clock.now() + 10) else {
            Issue.record("delivered or rejected")
            return
        }
        #expect(reason.contains("HTTP 503"))
        #expect(clock.sleeps.reduce(0, +) < 10)
        #expect(server.requests.count == clock.sleeps.count + 1)
    }

    @Test func aDroppedConnectionIsRetried() throws {
        let server = try LocalHTTPServer(script: [.drop, .respond(status: 200)])
        #expect(exporter(server).export(batch, deadline: clock.now() + 30) == .delivered)
        #expect(server.requests.count == 2)
    }

    @Test func aCollectorSlowerThanTheTimeoutLeavesTheBatchUnavailable() throws {
        // The timeout bounds the whole batch: a collector that takes longer gets the batch later, from the spool.
        let server = try LocalHTTPServer(fallback: .hang(seconds: 2))
        guard case .unavailable(let reason) = exporter(server, timeout: 0.3).export(batch, deadline: clock.now() + 30) else {
            Issue.record("not unavailable")
            return
        }
        #expect(reason.contains("timed out"))
    }

    @Test func aRefusedConnectionIsUnavailableAtOnceWithoutRetries() throws {
        let server = try LocalHTTPServer()
        let url = server.baseURL
        server.stop()
        let configuration = OTLPHTTPConfiguration(tracesURL: url + "/v1/traces", logsURL: url + "/v1/logs")
        let exporter = OTLPHTTPExporter(signal: .traces, configuration: configuration, userAgent: "t", clock: clock, report: { _ in })
        guard case .unavailable(let reason) = exporter.export(batch, deadline: clock.now() + 5) else { Issue.record("delivered"); return }
        #expect(reason.contains("connect"))
        #expect(clock.sleeps.isEmpty)
    }

    @Test func theOTLPTimeoutBoundsAWholeBatchRetriesIncluded() throws {
        // OTEL_EXPORTER_OTLP_TIMEOUT is the most one batch export may take: a 503 retried until it runs out,
        // even when the processor's own deadline is later.
        let server = try LocalHTTPServer(fallback: .respond(status: 503))
        guard case .unavailable = exporter(server, timeout: 3).export(batch, deadline: clock.now() + 30) else {
            Issue.record("not unavailable")
            return
        }
        #expect(clock.sleeps.reduce(0, +) < 3)
    }

    @Test func aSuccessThatIsNotAnOTLPResponseIsSaidOnce() throws {
        // A web server's page where a collector should be: the batches count as delivered (it answered 2xx),
        // and one warning says what answered.
        let page = LocalHTTPServer.Reply.respond(status: 200, headers: ["Content-Type": "text/html"], body: "<html><body>Welcome</body></html>")
        let server = try LocalHTTPServer(script: [page, page])
        let sender = exporter(server)
        #expect(sender.export(batch, deadline: clock.now() + 30) == .delivered)
        #expect(sender.export(batch, deadline: clock.now() + 30) == .delivered)
        #expect(warnings.all.count == 1)
        #expect(warnings.all.first?.contains("\(server.baseURL)/v1/traces answered HTTP 200 with a body that is not an OTLP response (text/html): <html><body>Welcome") == true, "\(warnings.all)")
        // A body past 4 MiB is not read further, and said so.
        let huge = try LocalHTTPServer(script: [.respond(status: 200, body: String(repeating: "{", count: 5 << 20))])
        let hugeWarnings = Warnings()
        let reader = OTLPHTTPExporter(
            signal: .traces, configuration: OTLPHTTPConfiguration(tracesURL: huge.baseURL + "/v1/traces", logsURL: huge.baseURL + "/v1/logs"),
            userAgent: "test/1", clock: clock, report: { hugeWarnings.add($0) })
        #expect(reader.export(batch, deadline: clock.now() + 30) == .delivered)
        #expect(hugeWarnings.all.count == 1 && hugeWarnings.all[0].contains("over 4 MiB (not read further)"), "\(hugeWarnings.all)")
        // An empty body and a JSON object are what collectors answer: no warning.
        let quiet = try LocalHTTPServer(script: [.respond(status: 200, body: ""), .respond(status: 200, body: "{}")])
        let before = warnings.all.count
        #expect(exporter(quiet).export(batch, deadline: clock.now() + 30) == .delivered)
        #expect(exporter(quiet).export(batch, deadline: clock.now() + 30) == .delivered)
        #expect(warnings.all.count == before)
    }

    @Test func partialSuccessIsSaidOnceAndCounted() throws {
        let partial = LocalHTTPServer.Reply.respond(status: 200, body: #"{"partialSuccess":{"rejectedSpans":"2","errorMessage":"too old"}}"#)
        let server = try LocalHTTPServer(script: [partial, partial])
        let sender = exporter(server)
        #expect(sender.export(batch, deadline: clock.now() + 30) == .delivered)
        #expect(sender.export(batch, deadline: clock.now() + 30) == .delivered)
        // Said the first time; every refused item is counted for the processor to take (as lost).
        #expect(warnings.all == ["OTLP traces: the collector at \(server.baseURL)/v1/traces rejected 2 of 3 spans: too old; they are lost (further rejections are counted, not reported)"])
        #expect(sender.takeRefusedInPart() == 4)
        #expect(sender.takeRefusedInPart() == 0)
    }
}
