import Foundation

/// One structured log event as the SQL exporter stores it in `log_events`.
public struct LogEvent: Sendable, Equatable, Codable {
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
    public static let levels = ["trace", "debug", "info", "notice", "warn", "error", "critical"]

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
