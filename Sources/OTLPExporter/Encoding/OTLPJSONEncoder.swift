import JSONWriting
import Logging
import LogLineCore

/// Writes OTLP/JSON to the letter of opentelemetry-proto's "JSON Protobuf Encoding": `resourceSpans` →
/// `scopeSpans` → `spans` (and `resourceLogs` → `scopeLogs` → `logRecords`), lowerCamelCase keys, trace and
/// span ids as lowercase hex, enums as integers, 64-bit integers as decimal strings, empty fields left out.
///
/// The output of one call is one `TracesData` / `LogsData` document: the body of an OTLP/HTTP request and
/// one line of an OTLP JSONL file.
@_spi(Pipeline) public struct OTLPJSONEncoder: Sendable {
    /// Who sends, and the instrumentation scope.
    public let resource: OTLPResource
    /// How many attributes a log record keeps, and how long their strings may be.
    public let logLimits: AttributeLimits

    /// Creates an encoder for `resource`.
    public init(resource: OTLPResource, logLimits: AttributeLimits = AttributeLimits()) {
        self.resource = resource
        self.logLimits = logLimits
    }

    /// One `TracesData` document holding `spans`.
    public func encode(spans: [SpanData]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + spans.count * 420)
        out.append(#"{"resourceSpans":[{"resource":"#)
        appendResource(&out)
        out.append(#","scopeSpans":[{"scope":"#)
        appendScope(name: resource.scopeName, &out)
        out.append(#","spans":["#)
        for (index, span) in spans.enumerated() {
            if index > 0 { out.append(ascii: ",") }
            appendSpan(span, &out)
        }
        out.append("]}]}]}")
        return out
    }

    /// One `LogsData` document holding `records`, grouped by scope (the logger's label) in first-seen order.
    public func encode(logs records: [LogLine]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + records.count * 300)
        out.append(#"{"resourceLogs":[{"resource":"#)
        appendResource(&out)
        out.append(#","scopeLogs":["#)
        var scopes: [String] = []
        var byScope: [String: [Int]] = [:]
        for (index, record) in records.enumerated() {
            let scope = record.label.isEmpty ? resource.scopeName : record.label
            if byScope[scope] == nil { scopes.append(scope) }
            byScope[scope, default: []].append(index)
        }
        for (scopeIndex, scope) in scopes.enumerated() {
            if scopeIndex > 0 { out.append(ascii: ",") }
            out.append(#"{"scope":"#)
            appendScope(name: scope, &out)
            out.append(#","logRecords":["#)
            for (position, index) in byScope[scope]!.enumerated() {
                if position > 0 { out.append(ascii: ",") }
                appendLog(records[index], &out)
            }
            out.append("]}")
        }
        out.append("]}]}")
        return out
    }

    // MARK: - Pieces

    func appendResource(_ out: inout [UInt8]) {
        out.append(#"{"attributes":"#)
        Self.appendAttributes(resource.attributes, &out)
        out.append("}")
    }

    func appendScope(name: String, _ out: inout [UInt8]) {
        out.append(#"{"name":"#)
        out.append(jsonString: name)
        if !resource.scopeVersion.isEmpty {
            out.append(#","version":"#)
            out.append(jsonString: resource.scopeVersion)
        }
        out.append("}")
    }

    /// `"traceId":"<32 hex>","spanId":"<16 hex>"`.
    private static func appendIDs(_ trace: TraceID, _ span: SpanID, _ out: inout [UInt8]) {
        out.append(#""traceId":""#)
        HexDigits.append(trace.high, to: &out)
        HexDigits.append(trace.low, to: &out)
        out.append(#"","spanId":""#)
        HexDigits.append(span.value, to: &out)
        out.append(ascii: "\"")
    }

    private func appendSpan(_ span: SpanData, _ out: inout [UInt8]) {
        out.append(ascii: "{")
        Self.appendIDs(span.traceID, span.spanID, &out)
        if let state = span.traceState, !state.isEmpty {
            out.append(#","traceState":"#)
            out.append(jsonString: state)
        }
        if let parent = span.parentSpanID {
            out.append(#","parentSpanId":""#)
            HexDigits.append(parent.value, to: &out)
            out.append(ascii: "\"")
        }
        if span.flags != 0 {
            out.append(#","flags":"#)
            out.append(decimal: Int(span.flags))
        }
        out.append(#","name":"#)
        out.append(jsonString: span.name)
        if span.kind != .unspecified {
            out.append(#","kind":"#)
            out.append(decimal: span.kind.rawValue)
        }
        out.append(#","startTimeUnixNano":""#)
        out.append(decimal: Int(clamping: span.startTimeUnixNano))
        out.append(#"","endTimeUnixNano":""#)
        out.append(decimal: Int(clamping: span.endTimeUnixNano))
        out.append(ascii: "\"")
        if !span.attributes.isEmpty {
            out.append(#","attributes":"#)
            Self.appendAttributes(span.attributes, &out)
        }
        Self.appendCount("droppedAttributesCount", span.droppedAttributesCount, &out)
        if !span.events.isEmpty {
            out.append(#","events":["#)
            for (index, event) in span.events.enumerated() {
                if index > 0 { out.append(ascii: ",") }
                out.append(#"{"timeUnixNano":""#)
                out.append(decimal: Int(clamping: event.timeUnixNano))
                out.append(#"","name":"#)
                out.append(jsonString: event.name)
                if !event.attributes.isEmpty {
                    out.append(#","attributes":"#)
                    Self.appendAttributes(event.attributes, &out)
                }
                Self.appendCount("droppedAttributesCount", event.droppedAttributesCount, &out)
                out.append("}")
            }
            out.append("]")
        }
        Self.appendCount("droppedEventsCount", span.droppedEventsCount, &out)
        if !span.links.isEmpty {
            out.append(#","links":["#)
            for (index, link) in span.links.enumerated() {
                if index > 0 { out.append(ascii: ",") }
                out.append(ascii: "{")
                Self.appendIDs(link.traceID, link.spanID, &out)
                if let state = link.traceState, !state.isEmpty {
                    out.append(#","traceState":"#)
                    out.append(jsonString: state)
                }
                if !link.attributes.isEmpty {
                    out.append(#","attributes":"#)
                    Self.appendAttributes(link.attributes, &out)
                }
                Self.appendCount("droppedAttributesCount", link.droppedAttributesCount, &out)
                out.append("}")
            }
            out.append("]")
        }
        Self.appendCount("droppedLinksCount", span.droppedLinksCount, &out)
        if span.statusCode != .unset {
            out.append(#","status":{"#)
            if let message = span.statusMessage, !message.isEmpty {
                out.append(#""message":"#)
                out.append(jsonString: message)
                out.append(ascii: ",")
            }
            out.append(#""code":"#)
            out.append(decimal: span.statusCode.rawValue)
            out.append("}")
        }
        out.append("}")
    }

    /// A log line as a `LogRecord`: its fields as attributes (in the line's order), then where it was
    /// logged (`code.filepath`, `code.lineno`) when known, and the span it was logged in.
    private func appendLog(_ record: LogLine, _ out: inout [UInt8]) {
        out.append(#"{"timeUnixNano":""#)
        out.append(decimal: Int(clamping: record.timeUnixNano))
        out.append(#"","observedTimeUnixNano":""#)
        out.append(decimal: Int(clamping: record.timeUnixNano))
        let severity = LogLevelTable.severity(record.level)
        out.append(#"","severityNumber":"#)
        out.append(decimal: severity.number)
        out.append(#","severityText":""#)
        out.append(severity.text)
        out.append(#"","body":{"stringValue":"#)
        out.append(jsonString: record.message)
        out.append("}")
        let hasLocation = !record.file.isEmpty
        let limit = max(0, logLimits.count)
        let maxLength = logLimits.valueLength.map { max(0, $0) }
        let dropped = record.withOrderedFields { fields -> Int in
            // Within the limit: the fields in order, then the location (both of its attributes, or neither).
            let kept = min(fields.count, limit)
            let keepLocation = hasLocation && limit - kept >= 2
            let dropped = fields.count - kept + (hasLocation && !keepLocation ? 2 : 0)
            guard kept > 0 || keepLocation else { return dropped }
            out.append(#","attributes":["#)
            for index in 0..<kept {
                if index > 0 { out.append(ascii: ",") }
                out.append(#"{"key":"#)
                out.append(jsonString: fields[index].key)
                out.append(#","value":"#)
                if let maxLength {
                    Self.appendValue(fields[index].value, &out, maxLength: maxLength)
                } else {
                    Self.appendValue(fields[index].value, &out)
                }
                out.append("}")
            }
            if keepLocation {
                if kept > 0 { out.append(ascii: ",") }
                out.append(#"{"key":"code.filepath","value":{"stringValue":"#)
                out.append(jsonString: maxLength.map { Logger.MetadataValue.cut(record.file, $0) } ?? record.file)
                out.append(#"}},{"key":"code.lineno","value":{"intValue":""#)
                out.append(decimal: Int(record.line))
                out.append(#""}}"#)
            }
            out.append(ascii: "]")
            return dropped
        }
        Self.appendCount("droppedAttributesCount", dropped, &out)
        if let trace = record.trace, let traceID = TraceID(high: trace.traceIDHigh, low: trace.traceIDLow), let spanID = SpanID(trace.spanID) {
            out.append(#","flags":"#)
            out.append(decimal: Int(trace.flags))
            out.append(ascii: ",")
            Self.appendIDs(traceID, spanID, &out)
        }
        out.append("}")
    }

    /// A log field's value as an `AnyValue`: scalars typed, arrays as `arrayValue`, dictionaries as
    /// `kvlistValue` (keys in order).
    static func appendValue(_ value: Logger.MetadataValue, _ out: inout [UInt8]) {
        switch value {
        case .array(let values):
            appendArrayValue(values, &out, element: appendValue)
        case .dictionary(let members):
            out.append(#"{"kvlistValue":{"#)
            if !members.isEmpty {
                out.append(#""values":["#)
                for (index, key) in members.keys.sorted().enumerated() {
                    if index > 0 { out.append(ascii: ",") }
                    out.append(#"{"key":"#)
                    out.append(jsonString: key)
                    out.append(#","value":"#)
                    appendValue(members[key]!, &out)
                    out.append("}")
                }
                out.append("]")
            }
            out.append("}}")
        case .string(let text):
            out.append(#"{"stringValue":"#)
            out.append(jsonString: text)
            out.append("}")
        case .stringConvertible:
            switch value.scalar! {
            case .string(let text): appendValue(Logger.MetadataValue.string(text), &out)
            case .int(let number): appendValue(TelemetryValue.int(number), &out)
            case .double(let number): appendValue(TelemetryValue.double(number), &out)
            case .bool(let flag): appendValue(TelemetryValue.bool(flag), &out)
            }
        }
    }

    /// ``appendValue(_:_:)`` with every string cut to `maxLength` characters (the attribute value length limit).
    static func appendValue(_ value: Logger.MetadataValue, _ out: inout [UInt8], maxLength: Int) {
        appendValue(value.truncated(to: maxLength), &out)
    }

    /// `,"name":count` when the count is above 0 (a uint32 field: a JSON number).
    static func appendCount(_ name: StaticString, _ count: Int, _ out: inout [UInt8]) {
        guard count > 0 else { return }
        out.append(ascii: ",")
        out.append(ascii: "\"")
        name.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(#"":"#)
        out.append(decimal: min(count, Int(UInt32.max)))
    }

    static func appendAttributes(_ attributes: [TelemetryAttribute], _ out: inout [UInt8]) {
        out.append(ascii: "[")
        for (index, attribute) in attributes.enumerated() {
            if index > 0 { out.append(ascii: ",") }
            out.append(#"{"key":"#)
            out.append(jsonString: attribute.key)
            out.append(#","value":"#)
            appendValue(attribute.value, &out)
            out.append("}")
        }
        out.append(ascii: "]")
    }

    static func appendValue(_ value: TelemetryValue, _ out: inout [UInt8]) {
        switch value {
        case .string(let text):
            out.append(#"{"stringValue":"#)
            out.append(jsonString: text)
            out.append("}")
        case .bool(let flag):
            out.append(flag ? #"{"boolValue":true}"# : #"{"boolValue":false}"#)
        case .int(let number):
            out.append(#"{"intValue":""#)
            out.append(decimal: Int(number))
            out.append(#""}"#)
        case .double(let number):
            // JSON has no NaN or infinity; protobuf's JSON mapping spells them as strings.
            out.append(#"{"doubleValue":"#)
            appendDouble(number, &out)
            out.append("}")
        case .array(let values):
            appendArrayValue(values, &out, element: appendValue)
        }
    }

    /// An `arrayValue` (`values` left out when empty), each element written by `element`: for span and log
    /// attribute values alike.
    static func appendArrayValue<Element>(_ values: [Element], _ out: inout [UInt8], element: (Element, inout [UInt8]) -> Void) {
        out.append(#"{"arrayValue":{"#)
        if !values.isEmpty {
            out.append(#""values":["#)
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(ascii: ",") }
                element(value, &out)
            }
            out.append("]")
        }
        out.append("}}")
    }
}

extension Logger.MetadataValue {
    /// The value with its strings, nested ones too, cut to `length` characters.
    func truncated(to length: Int) -> Logger.MetadataValue {
        switch self {
        case .string(let text): text.unicodeScalars.count > length ? .string(Self.cut(text, length)) : self
        case .stringConvertible:
            if case .string(let text)? = scalar, text.unicodeScalars.count > length { .string(Self.cut(text, length)) } else { self }
        case .array(let values): .array(values.map { $0.truncated(to: length) })
        case .dictionary(let members): .dictionary(members.mapValues { $0.truncated(to: length) })
        }
    }

    /// The first `length` Unicode scalars of `text`.
    static func cut(_ text: String, _ length: Int) -> String { String(String.UnicodeScalarView(text.unicodeScalars.prefix(length))) }
}
