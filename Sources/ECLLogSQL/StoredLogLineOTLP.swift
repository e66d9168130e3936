import ECLCore
import Foundation
import LogLineCore
import OTLPExporter

/// Log events as OTLP log records and back, so events the database could not take go to the same fallback
/// file as the OTLP exporter's, and `replay --log-sql` can load them later.
public enum StoredLogLineOTLP {
    /// One `LogsData` document holding `events`.
    public static func encode(_ events: [StoredLogLine], encoder: OTLPJSONEncoder) -> [UInt8] {
        encoder.encode(logs: events.map { $0.logLine() })
    }

    /// The events of one `LogsData` JSON document (a spool or dump line, ours or any producer's); nil when it
    /// is not one. Read as the OTLP/JSON mapping allows: 64-bit integers as strings or numbers, hex ids in
    /// either case, any `AnyValue` (arrays, kvlists as objects, bytes as their base64 text) in attributes and
    /// body, `observedTimeUnixNano` when `timeUnixNano` is absent or 0.
    public static func events(fromLogsData line: [UInt8]) -> [StoredLogLine]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
            let resources = object["resourceLogs"] as? [[String: Any]]
        else { return nil }
        var events: [StoredLogLine] = []
        for resource in resources {
            for scope in (resource["scopeLogs"] as? [[String: Any]]) ?? [] {
                let logger = ((scope["scope"] as? [String: Any])?["name"] as? String) ?? ""
                for record in (scope["logRecords"] as? [[String: Any]]) ?? [] {
                    var fields: [String: Any] = [:]
                    for attribute in (record["attributes"] as? [[String: Any]]) ?? [] {
                        guard let key = attribute["key"] as? String, let value = attribute["value"] as? [String: Any] else { continue }
                        fields[key] = plain(value)
                    }
                    let time = integer(record["timeUnixNano"]).flatMap { $0 > 0 ? $0 : nil } ?? integer(record["observedTimeUnixNano"]) ?? 0
                    let json = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data("{}".utf8)
                    let body = (record["body"] as? [String: Any]).map(plain)
                    events.append(StoredLogLine(
                        timestamp: Date(timeIntervalSince1970: Double(time / 1000) / 1_000_000),
                        level: LogLevelTable.name(LogLevelTable.level(severityNumber: Int(integer(record["severityNumber"]) ?? 9))), logger: logger,
                        message: body.map(text) ?? "",
                        workflowId: fields["workflow_id"] as? String, stepId: fields["step_id"] as? String,
                        traceId: identifier(record["traceId"]), spanId: identifier(record["spanId"]),
                        fields: String(decoding: json, as: UTF8.self), durationMs: (fields["duration_ms"] as? NSNumber)?.doubleValue,
                        tokensUsed: (fields["tokens_used"] as? NSNumber)?.intValue))
                }
            }
        }
        return events
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
