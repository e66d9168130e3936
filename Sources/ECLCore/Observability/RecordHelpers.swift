import Logging
import Tracing

/// The stage design's standard log lines, with their messages and fields.
extension Logger {
    /// "Operation completed": an operation the caller measured, with `operation` (when named), `duration_ms`
    /// and `tokens_used` (when it used a model), plus `fields`; at `level` (info unless said).
    public func recordPerformance(
        operation: String? = nil, durationMs: Double, tokensUsed: Int? = nil, level: Logger.Level = .info, fields: Logger.Metadata = [:],
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        log(
            level: level, "Operation completed",
            metadata: {
                var metadata = fields
                if let operation { metadata[LogField.operation] = .string(operation) }
                metadata[LogField.durationMs] = .stringConvertible(Self.rounded(durationMs))
                if let tokensUsed { metadata[LogField.tokensUsed] = .stringConvertible(tokensUsed) }
                return metadata
            }(),
            file: file, function: function, line: line)
    }

    /// "Retrying after failure" (warn) with `attempt`, `max_attempts` and `error`.
    public func recordRetry(attempt: Int, maxAttempts: Int, error: any Error, file: String = #fileID, function: String = #function, line: UInt = #line) {
        warning(
            "Retrying after failure",
            metadata: [LogField.attempt: .stringConvertible(attempt), LogField.maxAttempts: .stringConvertible(maxAttempts), LogField.error: "\(error)"],
            file: file, function: function, line: line)
    }

    /// "Validation failed" (warn) with `field` and `reason`; also a `validation_failed` event on the current span.
    public func recordValidationFailure(field: String, reason: String, file: String = #fileID, function: String = #function, line: UInt = #line) {
        warning("Validation failed", metadata: [LogField.field: .string(field), LogField.reason: .string(reason)], file: file, function: function, line: line)
        if let span = InstrumentationSystem.tracer.activeSpan(identifiedBy: ServiceContext.current ?? .topLevel) {
            span.addEvent(SpanEvent(name: SpanAttributeName.validationFailedEvent, attributes: [
                LogField.field: .string(field), LogField.reason: .string(reason),
            ]))
        }
    }

    /// Milliseconds rounded to microseconds, so logs show `12.345`, not `12.345000000001`.
    static func rounded(_ milliseconds: Double) -> Double { (milliseconds * 1000).rounded() / 1000 }
}
