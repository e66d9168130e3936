import Logging

/// The swift-log handler of every ECL log backend: captures each line once (``LogLine``) and hands the same
/// capture to each of its outputs.
public struct LogLineHandler: LogHandler {
    /// The logger's label.
    public let label: String
    /// Fields set on this logger.
    public var metadata: Logger.Metadata = [:]
    /// Adds context fields (`workflow_id`, `step_id`, …) to every line.
    public var metadataProvider: Logger.MetadataProvider?
    /// The lowest level written.
    public var logLevel: Logger.Level
    /// Where lines go.
    public let outputs: [any LogLineOutput]
    /// How fields are ordered.
    public let order: FieldOrder
    /// Reads the span a line is logged in; nil when no output needs it (the console does not).
    public let traceContext: (@Sendable () -> LogTraceContext?)?
    /// Decides whether a line goes on now (log sampling); nil lets every line through.
    public let gate: (any LogLineGate)?

    /// Creates a handler.
    public init(
        label: String, level: Logger.Level, outputs: [any LogLineOutput], order: FieldOrder = FieldOrder(),
        metadataProvider: Logger.MetadataProvider? = nil, traceContext: (@Sendable () -> LogTraceContext?)? = nil,
        gate: (any LogLineGate)? = nil
    ) {
        self.gate = gate
        self.label = label
        self.logLevel = level
        self.outputs = outputs
        self.order = order
        self.metadataProvider = metadataProvider
        self.traceContext = traceContext
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let line = LogLine(
            capturing: event, label: label, loggerFields: metadata, contextFields: metadataProvider?.get() ?? [:],
            trace: traceContext?(), order: order)
        if let gate, !gate.admit(line, outputs: outputs) { return }
        for output in outputs { output.write(line) }
    }
}
