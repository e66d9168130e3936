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
}
