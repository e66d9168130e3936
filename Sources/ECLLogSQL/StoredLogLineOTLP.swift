import ECLCore
import ECLLogging
import Foundation
import Logging
import LogLineCore
@_spi(Pipeline) import OTLPExporter

/// Log events as OTLP log records and back, so events the database could not take go to the same fallback
/// file as the OTLP exporter's, and `replay --log-sql` can load them later.
public enum StoredLogLineOTLP {
    /// One `LogsData` document holding `events`.
    @_spi(Pipeline) public static func encode(_ events: [StoredLogLine], encoder: OTLPJSONEncoder) -> [UInt8] {
        encoder.encode(logs: events.map { $0.logLine() })
    }

    /// The events of one `LogsData` JSON document (a spool or dump line, ours or any producer's); nil when it
    /// is not one. Read as the OTLP/JSON mapping allows: 64-bit integers as strings or numbers, hex ids in
    /// either case, any `AnyValue` (arrays, kvlists as objects, bytes as their base64 text) in attributes and
    /// body, `observedTimeUnixNano` when `timeUnixNano` is absent or 0, the severity's text when its number is.
    ///
    /// Each record becomes a ``LogLine`` and its row is made as a live line's is (``StoredLogLine/init(_:)``),
    /// so a line stored live and the same line loaded from a dump or spool have the same ``StoredLogLine/recordID``.
    /// The source location the OTLP exporter adds (`code.filepath`, `code.lineno`) is left out: live rows do
    /// not store it either.
    public static func events(fromLogsData line: [UInt8]) -> [StoredLogLine]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
            let resources = object["resourceLogs"] as? [[String: Any]]
        else { return nil }
        var events: [StoredLogLine] = []
        for resource in resources {
            for scope in (resource["scopeLogs"] as? [[String: Any]]) ?? [] {
                let logger = ((scope["scope"] as? [String: Any])?["name"] as? String) ?? ""
                for record in (scope["logRecords"] as? [[String: Any]]) ?? [] {
                    var fields: Logger.Metadata = [:]
                    for attribute in (record["attributes"] as? [[String: Any]]) ?? [] {
                        guard let key = attribute["key"] as? String, key != "code.filepath", key != "code.lineno",
                            let value = (attribute["value"] as? [String: Any]).flatMap(metadata)
                        else { continue }
                        fields[key] = value
                    }
                    let time = integer(record["timeUnixNano"]).flatMap { $0 > 0 ? $0 : nil } ?? integer(record["observedTimeUnixNano"]) ?? 0
                    // Ids that are not ids (wrong length, not hex, all zeros) are left out.
                    let traceID = identifier(record["traceId"]).flatMap { TraceID(hex: $0) }
                    let spanID = identifier(record["spanId"]).flatMap { SpanID(hex: $0) }
                    var trace: LogTraceContext?
                    if let traceID, let spanID {
                        trace = LogTraceContext(traceIDHigh: traceID.high, traceIDLow: traceID.low, spanID: spanID.value)
                    }
                    let level = LogLevelTable.level(
                        severityNumber: Int(integer(record["severityNumber"]) ?? 0), text: record["severityText"] as? String)
                    var event = StoredLogLine(LogLine(
                        timeUnixNano: UInt64(max(0, time)), level: level, label: logger,
                        message: (record["body"] as? [String: Any]).map { body in body.isEmpty ? "" : text(plain(body)) } ?? "",
                        fields: fields, trace: trace,
                        order: ECLLoggingSystem.fieldOrder))
                    // Half a pair (another producer's) is kept.
                    if trace == nil {
                        event.traceId = traceID?.description ?? event.traceId
                        event.spanId = spanID?.description
                    }
                    events.append(event)
                }
            }
        }
        return events
    }

    /// An OTLP `AnyValue` as a field's value, typed as a live line's would be; nil for an empty one.
    static func metadata(_ value: [String: Any]) -> Logger.MetadataValue? {
        if let text = value["stringValue"] as? String { return .string(text) }
        if let flag = value["boolValue"] as? Bool { return .stringConvertible(flag) }
        if let number = integer(value["intValue"]) { return .stringConvertible(Int(number)) }
        // An integer too large for 64 bits is kept as its digits rather than lost.
        if let digits = value["intValue"] as? String { return .string(digits) }
        if let number = value["doubleValue"] as? NSNumber { return .stringConvertible(number.doubleValue) }
        if let text = value["doubleValue"] as? String { return Double(text).map { .stringConvertible($0) } ?? .string(text) }
        if let list = (value["arrayValue"] as? [String: Any])?["values"] as? [[String: Any]] {
            return .array(list.map { metadata($0) ?? .string("") })
        }
        if let pairs = (value["kvlistValue"] as? [String: Any])?["values"] as? [[String: Any]] {
            var members: Logger.Metadata = [:]
            for pair in pairs {
                guard let key = pair["key"] as? String, let member = (pair["value"] as? [String: Any]).flatMap(metadata) else { continue }
                members[key] = member
            }
            return .dictionary(members)
        }
        if let bytes = value["bytesValue"] as? String { return .string(bytes) }
        return nil
    }

    /// A 64-bit integer given as a decimal string or a JSON number.
    static func integer(_ value: Any?) -> Int64? {
        if let text = value as? String { return Int64(text) }
        if let number = value as? NSNumber { return number.int64Value }
        return nil
    }

    /// A trace or span id as lowercase hex; nil when absent or empty.
    static func identifier(_ value: Any?) -> String? {
        guard let text = value as? String, !text.isEmpty else { return nil }
        return text.lowercased()
    }

    /// A body as a message: a string as it is, anything else as JSON text.
    static func text(_ value: Any) -> String {
        if let string = value as? String { return string }
        guard JSONSerialization.isValidJSONObject([value]),
            let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys])
        else { return "\(value)" }
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }

    /// An OTLP `AnyValue` as a JSON-ready value: kvlists become objects, bytes their base64 text.
    static func plain(_ value: [String: Any]) -> Any {
        if let text = value["stringValue"] as? String { return text }
        if let flag = value["boolValue"] as? Bool { return flag }
        if let number = integer(value["intValue"]) { return number }
        if let number = value["doubleValue"] as? NSNumber { return number.doubleValue }
        if let text = value["doubleValue"] as? String { return Double(text) ?? text }
        if let list = (value["arrayValue"] as? [String: Any])?["values"] as? [[String: Any]] { return list.map(plain) }
        if let pairs = (value["kvlistValue"] as? [String: Any])?["values"] as? [[String: Any]] {
            var object: [String: Any] = [:]
            for pair in pairs {
                guard let key = pair["key"] as? String else { continue }
                object[key] = (pair["value"] as? [String: Any]).map(plain) ?? NSNull()
            }
            return object
        }
        if let bytes = value["bytesValue"] as? String { return bytes }
        return NSNull()
    }
}
