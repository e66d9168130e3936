import ECLCore
import ECLLogging
import Foundation
import JSONWriting
import Logging
import OTLPExporter
import ServiceContextModule

/// A swift-log handler that hands each line, with its fields, to a ``SQLLogWriter``.
public struct SQLLogHandler: LogHandler {
    /// The logger's label.
    public let label: String
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    private let writer: SQLLogWriter

    /// Creates a handler.
    public init(label: String, level: Logger.Level, writer: SQLLogWriter, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.logLevel = level
        self.writer = writer
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Captures the line as it is (fields, ids, time) and hands it over; the JSON and the text columns are
    /// made on the writer's thread (``CapturedLogLine/event()``), off the caller's path.
    public func log(event: Logging.LogEvent) {
        writer.add(line: CapturedLogLine(
            timestamp: Date(), level: event.level, label: label, message: event.message,
            fields: event.fields(provider: metadataProvider, handler: metadata), span: ServiceContext.current?.otlpSpanContext))
    }
}

/// A log line as ``SQLLogHandler`` saw it: cheap to make on the caller's path, turned into a ``LogEvent``
/// (fields as a JSON object, ids and numbers as column values) where it is written.
public struct CapturedLogLine: Sendable {
    let timestamp: Date
    let level: Logger.Level
    let label: String
    let message: Logger.Message
    let fields: Logger.Metadata
    let span: SpanContextData?

    /// The event as `log_events` stores it.
    public func event() -> LogEvent {
        var json: [UInt8] = []
        json.append(jsonValue: .dictionary(fields))
        func text(_ key: String) -> String? {
            switch fields[key] {
            case .string(let value)?: value
            case .stringConvertible(let value)?: value.description
            default: nil
            }
        }
        let workflowId = text(LogField.workflowId)
        return LogEvent(
            timestamp: timestamp, level: LogRecord.levelName(level), logger: label, message: message.description,
            workflowId: workflowId, stepId: text(LogField.stepId),
            traceId: span?.traceID.description ?? workflowId.map { String($0.filter { $0 != "-" }) },
            spanId: span?.spanID.description, fields: String(decoding: json, as: UTF8.self),
            durationMs: text(LogField.durationMs).flatMap(Double.init), tokensUsed: text(LogField.tokensUsed).flatMap(Int.init))
    }
}
