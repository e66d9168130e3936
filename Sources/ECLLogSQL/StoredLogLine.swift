import ECLCore
import ECLLogging
import Foundation
import JSONWriting
import Logging
import LogLineCore
@_spi(Pipeline) import OTLPExporter

/// One log line as the SQL exporter stores it: a row of `log_events`.
public struct StoredLogLine: Sendable, Equatable, Codable {
    /// When it was logged (UTC).
    public var timestamp: Date
    /// trace, debug, info, notice, warn, error, critical.
    public var level: String
    /// The logger's label.
    public var logger: String
    /// The message.
    public var message: String
    /// The run, when logged inside one.
    public var workflowId: String?
    /// The step, when logged inside one.
    public var stepId: String?
    /// The trace (the workflow id without dashes, inside a workflow).
    public var traceId: String?
    /// The span it was logged in.
    public var spanId: String?
    /// Every field as a JSON object.
    public var fields: String
    /// `duration_ms`, when the line had it.
    public var durationMs: Double?
    /// `tokens_used`, when the line had it.
    public var tokensUsed: Int?

    /// Creates an event.
    public init(
        timestamp: Date, level: String, logger: String, message: String, workflowId: String? = nil, stepId: String? = nil,
        traceId: String? = nil, spanId: String? = nil, fields: String = "{}", durationMs: Double? = nil, tokensUsed: Int? = nil
    ) {
        self.timestamp = timestamp
        self.level = level
        self.logger = logger
        self.message = message
        self.workflowId = workflowId
        self.stepId = stepId
        self.traceId = traceId
        self.spanId = spanId
        self.fields = fields
        self.durationMs = durationMs
        self.tokensUsed = tokensUsed
    }

    /// Levels in order, for `--level` filters.
    public static let levels = LogLevelTable.names

    /// The row of a captured line: its fields as one JSON object (keys by name), the workflow, step, duration
    /// and tokens as columns, the span it was logged in (inside a workflow without one, the trace is the
    /// workflow id).
    public init(_ line: LogLine) {
        var fields: Logger.Metadata = [:]
        line.withOrderedFields { ordered in
            for field in ordered { fields[field.key] = field.value }
        }
        var json: [UInt8] = []
        json.append(jsonValue: .dictionary(fields))
        func text(_ key: String) -> String? {
            guard let value = fields[key], value.scalar != nil else { return nil }
            return value.text
        }
        // A UUID in its canonical lower-case form (as `logs --workflow-id` looks it up); another producer's
        // id as it came.
        let workflowId = text(LogField.workflowId).map { id in WorkflowId(id)?.description ?? id }
        let trace = line.trace.flatMap { TraceID(high: $0.traceIDHigh, low: $0.traceIDLow) }
        self.init(
            timestamp: Date(timeIntervalSince1970: Double(line.timeUnixNano / 1000) / 1_000_000), level: LogLevelTable.name(line.level),
            logger: line.label, message: line.message, workflowId: workflowId, stepId: text(LogField.stepId),
            // Outside a span, the trace a workflow's lines belong to is its id (when it is a UUID).
            traceId: trace?.description ?? workflowId.flatMap(WorkflowId.init).map { String($0.description.filter { $0 != "-" }) },
            spanId: line.trace.flatMap { SpanID($0.spanID) }?.description, fields: String(decoding: json, as: UTF8.self),
            durationMs: text(LogField.durationMs).flatMap(Double.init), tokensUsed: text(LogField.tokensUsed).flatMap(Int.init))
    }

    /// The line this row was made from, as the outputs render it: the fields read back from their JSON, and the
    /// workflow, step, duration and token columns added as fields when the JSON lacks them (so that nothing
    /// is lost on the way to an OTLP record and back).
    public func logLine() -> LogLine {
        var fields: Logger.Metadata = [:]
        if let members = try? JSONSerialization.jsonObject(with: Data(self.fields.utf8)) as? [String: Any] {
            for (key, value) in members { fields[key] = Self.metadata(value) }
        }
        if fields[LogField.workflowId] == nil, let workflowId { fields[LogField.workflowId] = .string(workflowId) }
        if fields[LogField.stepId] == nil, let stepId { fields[LogField.stepId] = .string(stepId) }
        if fields[LogField.durationMs] == nil, let durationMs { fields[LogField.durationMs] = .stringConvertible(durationMs) }
        if fields[LogField.tokensUsed] == nil, let tokensUsed { fields[LogField.tokensUsed] = .stringConvertible(tokensUsed) }
        var trace: LogTraceContext?
        if let traceID = traceId.flatMap({ TraceID(hex: $0) }), let spanID = spanId.flatMap({ SpanID(hex: $0) }) {
            trace = LogTraceContext(traceIDHigh: traceID.high, traceIDLow: traceID.low, spanID: spanID.value)
        }
        let micros = Int64((timestamp.timeIntervalSince1970 * 1_000_000).rounded())
        return LogLine(
            timeUnixNano: UInt64(max(0, micros)) * 1000, level: LogLevelTable.level(named: level) ?? .info, label: logger,
            message: message, fields: fields, trace: trace, order: ECLLoggingSystem.fieldOrder)
    }

    /// A parsed JSON value as a field's value, the kind of each number kept: `5` an integer, `5.0` a double (so
    /// that the row made again from it is the same text, and has the same identity), integers of 64 bits whole,
    /// objects as dictionaries, null as `null`.
    static func metadata(_ value: Any) -> Logger.MetadataValue {
        switch value {
        case let text as String: return .string(text)
        case let number as NSNumber:
            // By the kind of number the parser made (`as Bool` would also take the integers 0 and 1).
            switch String(cString: number.objCType) {
            case "c", "B": return .stringConvertible(number.boolValue)
            case "d", "f": return .stringConvertible(number.doubleValue)
            case "Q": return .stringConvertible(number.uint64Value)
            default: return .stringConvertible(Int(number.int64Value))
            }
        case let list as [Any]: return .array(list.map(metadata))
        case let object as [String: Any]: return .dictionary(object.mapValues(metadata))
        default: return .string("null")
        }
    }

    /// The event's stable identity (32 hex digits): two 64-bit FNV-1a hashes of its time to the microsecond,
    /// level, logger, message, workflow, step, trace and span ids (lowercased) and fields. The databases keep
    /// one row per identity, so loading the same events again (a replayed dump or spool) adds none.
    public var recordID: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(128 + message.utf8.count + fields.utf8.count)
        let micros = Int64((timestamp.timeIntervalSince1970 * 1_000_000).rounded())
        for part in [
            String(micros), level, logger, message, workflowId ?? "", stepId ?? "", traceId?.lowercased() ?? "",
            spanId?.lowercased() ?? "", fields,
        ] {
            bytes.append(contentsOf: part.utf8)
            bytes.append(0x1F)
        }
        func fnv(_ seed: UInt64) -> UInt64 {
            var hash = seed
            for byte in bytes {
                hash ^= UInt64(byte)
                hash = hash &* 0x100000001b3
            }
            return hash
        }
        let high = fnv(0xcbf29ce484222325)
        let low = fnv(0x84222325cbf29ce4)
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return hex(high) + hex(low)
    }
}
