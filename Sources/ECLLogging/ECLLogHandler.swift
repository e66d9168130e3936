import Logging

/// The swift-log backend: merges context, handler and call metadata, formats the line, hands it to a ``LogSink``.
public struct ECLLogHandler: LogHandler {
    /// The logger's label.
    public let label: String
    /// Metadata set on this logger.
    public var metadata: Logger.Metadata = [:]
    /// Adds context fields (`workflow_id`, `step_id`, …) to every line.
    public var metadataProvider: Logger.MetadataProvider?
    /// The lowest level written.
    public var logLevel: Logger.Level
    private let formatter: LineFormatter
    private let sink: LogSink

    /// Creates a handler.
    public init(label: String, level: Logger.Level, formatter: LineFormatter, sink: LogSink, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.logLevel = level
        self.formatter = formatter
        self.sink = sink
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let fields = event.fields(provider: metadataProvider, handler: metadata)
        let record = LogRecord(
            time: LogRecord.now(), level: event.level, label: label, message: event.message.description, metadata: fields,
            file: event.file, line: event.line)
        sink.write(line: formatter.render(record))
    }
}

extension LogEvent {
    /// A line's fields: the context provider's, then the logger's, then the call's (later ones win), and the
    /// event's error as `error` when no field has that name. Every ECL log backend merges this way.
    public func fields(provider: Logger.MetadataProvider?, handler: Logger.Metadata) -> Logger.Metadata {
        var fields = provider?.get() ?? [:]
        if !handler.isEmpty { fields = fields.isEmpty ? handler : fields.merging(handler) { $1 } }
        if let extra = metadata, !extra.isEmpty { fields = fields.isEmpty ? extra : fields.merging(extra) { $1 } }
        if let error, fields["error"] == nil { fields["error"] = "\(error)" }
        return fields
    }
}
