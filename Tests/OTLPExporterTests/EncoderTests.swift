import Foundation
import LogLineCore
@_spi(Pipeline) import OTLPExporter
import TestSupport
import Testing

@Suite struct EncoderTests {
    let resource = OTLPResource(attributes: [TelemetryAttribute("service.name", .string("svc"))], scopeName: "ecl", scopeVersion: "1.2.3")
    let trace = TraceID(hex: "0af7651916cd43dd8448eb211c80319c")!
    let span = SpanID(hex: "b7ad6b7169203331")!
    let parent = SpanID(hex: "00f067aa0ba902b7")!

    var fullSpan: SpanData {
        SpanData(
            traceID: trace, spanID: span, parentSpanID: parent, name: "step \"generate\"", kind: .client,
            startTimeUnixNano: 1_764_081_908_123_456_789, endTimeUnixNano: 1_764_081_908_223_456_789,
            attributes: [
                TelemetryAttribute("s", .string("é\n")), TelemetryAttribute("b", .bool(true)),
                TelemetryAttribute("i", .int(9_007_199_254_740_993)), TelemetryAttribute("d", .double(1.5)),
                TelemetryAttribute("a", .array([.int(1), .string("x")])), TelemetryAttribute("nan", .double(.nan)),
            ],
            events: [SpanEventData(name: "exception", timeUnixNano: 1_764_081_908_200_000_000, attributes: [TelemetryAttribute("exception.message", .string("boom"))])],
            links: [SpanLinkData(traceID: trace, spanID: parent, traceState: "congo=t61rcWkgMzE")],
            statusCode: .error, statusMessage: "boom", traceState: "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7")
    }

    /// The exact bytes for a root span: a golden fixture, so a change of encoding is a visible decision.
    @Test func rootSpanMatchesTheGoldenFixture() {
        let root = SpanData(traceID: trace, spanID: span, name: "workflow w", startTimeUnixNano: 1, endTimeUnixNano: 2)
        let text = String(decoding: OTLPJSONEncoder(resource: resource).encode(spans: [root]), as: UTF8.self)
        #expect(text == #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},"scopeSpans":[{"scope":{"name":"ecl","version":"1.2.3"},"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","flags":1,"name":"workflow w","kind":1,"startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}"#)
    }

    @Test func everyFieldFollowsTheJSONMapping() throws {
        let document = try jsonObject(OTLPJSONEncoder(resource: resource).encode(spans: [fullSpan]))
        let resourceSpans = try #require(document["resourceSpans"] as? [[String: Any]])
        let scopeSpans = try #require(resourceSpans[0]["scopeSpans"] as? [[String: Any]])
        let encoded = try #require((scopeSpans[0]["spans"] as? [[String: Any]])?.first)
        #expect(encoded["traceId"] as? String == "0af7651916cd43dd8448eb211c80319c")
        #expect(encoded["spanId"] as? String == "b7ad6b7169203331")
        #expect(encoded["parentSpanId"] as? String == "00f067aa0ba902b7")
        #expect(encoded["kind"] as? Int == 3)
        #expect(encoded["name"] as? String == "step \"generate\"")
        #expect(encoded["startTimeUnixNano"] as? String == "1764081908123456789")
        #expect(encoded["endTimeUnixNano"] as? String == "1764081908223456789")
        let attributes = try #require(encoded["attributes"] as? [[String: Any]])
        func value(_ key: String) -> [String: Any]? { attributes.first { $0["key"] as? String == key }?["value"] as? [String: Any] }
        #expect(value("s")?["stringValue"] as? String == "é\n")
        #expect(value("b")?["boolValue"] as? Bool == true)
        #expect(value("i")?["intValue"] as? String == "9007199254740993")
        #expect(value("d")?["doubleValue"] as? Double == 1.5)
        #expect(value("nan")?["doubleValue"] as? String == "NaN")
        #expect(((value("a")?["arrayValue"] as? [String: Any])?["values"] as? [Any])?.count == 2)
        let status = try #require(encoded["status"] as? [String: Any])
        #expect(status["code"] as? Int == 2)
        #expect(status["message"] as? String == "boom")
        let event = try #require((encoded["events"] as? [[String: Any]])?.first)
        #expect(event["timeUnixNano"] as? String == "1764081908200000000")
        #expect((encoded["links"] as? [[String: Any]])?.first?["spanId"] as? String == "00f067aa0ba902b7")
    }

    @Test func emptyFieldsAreLeftOut() throws {
        let root = SpanData(traceID: trace, spanID: span, flags: 0, name: "n", kind: .unspecified, startTimeUnixNano: 1, endTimeUnixNano: 2)
        let text = String(decoding: OTLPJSONEncoder(resource: resource).encode(spans: [root]), as: UTF8.self)
        for key in ["parentSpanId", "attributes\":[]", "events", "links", "status", "kind", "flags"] { #expect(!text.contains(key), "\(key)") }
    }

    @Test func logsAreGroupedByScopeWithTheirSpan() throws {
        let context = LogTraceContext(traceIDHigh: trace.high, traceIDLow: trace.low, spanID: span.value, flags: 1)
        let records = [
            LogLine(
                timeUnixNano: 5, level: .info, label: "ECLCore.Executor", message: "a",
                fields: ["attempt": .stringConvertible(2), "usage": .dictionary(["input": .stringConvertible(3), "model": "m"]), "tags": ["x", .stringConvertible(1.5)]],
                file: "ECLCore/StepExecutor.swift", line: 12, trace: context),
            LogLine(timeUnixNano: 7, level: .warning, label: "ECLCore.LLM", message: "b"),
            LogLine(timeUnixNano: 9, level: .error, label: "ECLCore.Executor", message: "c"),
        ]
        let document = try jsonObject(OTLPJSONEncoder(resource: resource).encode(logs: records))
        let scopeLogs = try #require((document["resourceLogs"] as? [[String: Any]])?.first?["scopeLogs"] as? [[String: Any]])
        #expect(scopeLogs.map { ($0["scope"] as? [String: Any])?["name"] as? String } == ["ECLCore.Executor", "ECLCore.LLM"])
        let first = try #require((scopeLogs[0]["logRecords"] as? [[String: Any]])?.first)
        #expect(first["timeUnixNano"] as? String == "5")
        #expect(first["severityNumber"] as? Int == 9)
        #expect(first["severityText"] as? String == "INFO")
        #expect((first["body"] as? [String: Any])?["stringValue"] as? String == "a")
        #expect(first["traceId"] as? String == trace.description)
        #expect(first["flags"] as? Int == 1)
        let attributes = try #require(first["attributes"] as? [[String: Any]])
        #expect(attributes.map { $0["key"] as? String } == ["attempt", "tags", "usage", "code.filepath", "code.lineno"])
        #expect((attributes[0]["value"] as? [String: Any])?["intValue"] as? String == "2")
        let tags = try #require(((attributes[1]["value"] as? [String: Any])?["arrayValue"] as? [String: Any])?["values"] as? [[String: Any]])
        #expect(tags[0]["stringValue"] as? String == "x")
        #expect(tags[1]["doubleValue"] as? Double == 1.5)
        let usage = try #require(((attributes[2]["value"] as? [String: Any])?["kvlistValue"] as? [String: Any])?["values"] as? [[String: Any]])
        #expect(usage.map { $0["key"] as? String } == ["input", "model"])
        #expect((usage[0]["value"] as? [String: Any])?["intValue"] as? String == "3")
        #expect((attributes[3]["value"] as? [String: Any])?["stringValue"] as? String == "ECLCore/StepExecutor.swift")
        #expect((attributes[4]["value"] as? [String: Any])?["intValue"] as? String == "12")
        let second = try #require((scopeLogs[1]["logRecords"] as? [[String: Any]])?.first)
        #expect(second["severityNumber"] as? Int == 13)
        #expect(second["attributes"] == nil)
        #expect(first["spanId"] as? String == span.description)
        #expect((scopeLogs[0]["logRecords"] as? [Any])?.count == 2)
        #expect(second["traceId"] == nil)
    }

    @Test func gzipRoundTrips() throws {
        let json = OTLPJSONEncoder(resource: resource).encode(spans: Array(repeating: fullSpan, count: 512))
        let compressed = Gzip.compress(json)
        #expect(compressed.prefix(2) == [0x1f, 0x8b])
        #expect(compressed.count < json.count / 5)
        #expect(Gzip.decompress(compressed) == json)
        #expect(Gzip.decompress([1, 2, 3]) == nil)
    }

    @Test func theSchemaValidatorAcceptsOursAndRejectsThePeersMistakes() throws {
        let path = temporaryPath("otlp-valid") + ".jsonl"
        let bad = temporaryPath("otlp-bad") + ".jsonl"
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: bad)
        }
        let encoder = OTLPJSONEncoder(resource: resource)
        let logs = encoder.encode(logs: [LogLine(
            timeUnixNano: 1, level: .notice, label: "l", message: "x",
            fields: ["nested": .dictionary(["a": ["b", .dictionary([:])]]), "empty": .array([]), "n": .stringConvertible(Double.nan)],
            file: "F.swift", line: 3, trace: LogTraceContext(traceIDHigh: trace.high, traceIDLow: trace.low, spanID: span.value))])
        try Data(encoder.encode(spans: [fullSpan]) + [10] + logs + [10]).write(to: URL(fileURLWithPath: path))
        #expect(try OTLPSchemaValidator.run([path]).status == 0)
        // base64 ids (what SwiftProtobuf writes), a string enum, a number where a 64-bit string belongs.
        let text = String(decoding: encoder.encode(spans: [fullSpan]), as: UTF8.self)
        let broken = [
            text.replacingOccurrences(of: "\"traceId\":\"0af7651916cd43dd8448eb211c80319c\"", with: "\"traceId\":\"CvdlGRbNQ92ESOshHIAxnA==\""),
            text.replacingOccurrences(of: "\"kind\":3", with: "\"kind\":\"SPAN_KIND_CLIENT\""),
            text.replacingOccurrences(of: "\"startTimeUnixNano\":\"1764081908123456789\"", with: "\"startTimeUnixNano\":1764081908123456789"),
            text.replacingOccurrences(of: "\"parentSpanId\"", with: "\"parent_span_id\""),
        ]
        try broken.joined(separator: "\n").write(toFile: bad, atomically: true, encoding: .utf8)
        let result = try OTLPSchemaValidator.run([bad])
        #expect(result.status == 1)
        for line in 1...4 { #expect(result.output.contains(":\(line)"), "line \(line) not flagged: \(result.output)") }
    }
}
