import LogLineCore

/// Lines written for people or log tools: each captured line rendered by a ``LineFormatter`` into a
/// ``LogSink`` (standard error, standard output, a file).
public struct FormattedOutput: LogLineOutput {
    /// How lines are written.
    public let formatter: LineFormatter
    /// Where they go.
    public let sink: LogSink

    /// Creates an output.
    public init(formatter: LineFormatter, sink: LogSink) {
        self.formatter = formatter
        self.sink = sink
    }

    /// Renders the line in this thread's reusable buffer and appends it to the sink.
    public func write(_ line: LogLine) {
        formatter.withRendered(line) { sink.write(line: $0) }
    }
}

extension LineFormatter {
    /// The formatter a configuration asks for; colors only when `terminal` is true.
    public init(config: LogConfig, terminal: Bool) {
        self.init(
            format: config.format, includeTimestamps: config.includeTimestamps, includeLocation: config.includeLocation,
            colors: config.useColors && terminal)
    }
}
