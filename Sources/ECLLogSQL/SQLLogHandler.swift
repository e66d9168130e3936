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

    public func log(event: Logging.LogEvent) {
        let fields = event.fields(provider: metadataProvider, handler: metadata)
        var json: [UInt8] = []
        json.append(jsonValue: .dictionary(fields))
        func text(_ key: String) -> String? {
            switch fields[key] {
            case .string(let value)?: value
            case .stringConvertible(let value)?: value.description
            default: nil
            }
        }
        let span = ServiceContext.current?.otlpSpanContext
        writer.add(LogEvent(
            timestamp: Date(), level: LogRecord.levelName(event.level), logger: label, message: event.message.description,
            workflowId: text(LogField.workflowId), stepId: text(LogField.stepId),
            traceId: span?.traceID.description ?? text(LogField.workflowId)?.replacingOccurrences(of: "-", with: ""),
            spanId: span?.spanID.description, fields: String(decoding: json, as: UTF8.self),
            durationMs: text(LogField.durationMs).flatMap(Double.init), tokensUsed: text(LogField.tokensUsed).flatMap(Int.init)))
    }
}
