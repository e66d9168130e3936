import Logging
// The line formats (LogFormat, LineFormatter) are part of this module's API: code that imports ECLLogging
// alone keeps naming them.
@_exported import LogLineCore
import Synchronization

/// Sets up swift-log from a ``LogConfig``, once per process.
public enum ECLLoggingSystem {
    private static let installed = Mutex<LogSink?>(nil)

    /// ECL's field order: the correlation fields first (`workflow_id`, `workflow_name`, `step_id`, `step_name`,
    /// `attempt`), then the rest by name.
    public static let fieldOrder = FieldOrder(leadingKeys: ["workflow_id", "workflow_name", "step_id", "step_name", "attempt"])

    /// Makes a handler factory for `config` writing to `sink` (and to `extraOutputs`, such as an exporter's);
    /// use it with `Logger(label:factory:)` in tests to capture lines without touching the global logging
    /// system. Each line is captured once and handed to every output.
    public static func handlerFactory(
        config: LogConfig, sink: LogSink, metadataProvider: Logger.MetadataProvider? = nil,
        extraOutputs: [any LogLineOutput] = [], traceContext: (@Sendable () -> LogTraceContext?)? = nil, gate: (any LogLineGate)? = nil
    ) throws(LogConfigError) -> @Sendable (String) -> any LogHandler {
        let filter = try config.filter.map { text throws(LogConfigError) in try LogFilter(parsing: text, source: "filter") }
        let outputs: [any LogLineOutput] = [FormattedOutput(formatter: LineFormatter(config: config, terminal: sink.isTerminal), sink: sink)] + extraOutputs
        return { label in
            let level = filter?.level(for: label, fallback: config.level) ?? config.level
            return LogLineHandler(
                label: label, level: level.loggerLevel, outputs: outputs, order: fieldOrder, metadataProvider: metadataProvider,
                traceContext: traceContext, gate: gate)
        }
    }

    /// Installs `config` as the process's logging backend. swift-log allows one bootstrap per process:
    /// the first call installs and returns true; later calls change nothing and return false.
    /// An unwritable output file is a ``LogConfigError`` naming the path and the system's reason.
    ///
    /// `extraOutputs` (an exporter's, a SQL writer's) receive every line the console gets, at the same level,
    /// from the same capture; `traceContext` reads the span a line is logged in, for those that record it;
    /// `gate` decides whether a line goes on (log sampling).
    @discardableResult
    public static func bootstrap(
        _ config: LogConfig, metadataProvider: Logger.MetadataProvider? = nil,
        extraOutputs: [any LogLineOutput] = [], traceContext: (@Sendable () -> LogTraceContext?)? = nil, gate: (any LogLineGate)? = nil
    ) throws(LogConfigError) -> Bool {
        let result: Result<Bool, LogConfigError> = installed.withLock { installed in
            guard installed == nil else { return .success(false) }
            do throws(LogConfigError) {
                let sink = try LogSink(output: config.output)
                let factory = try handlerFactory(
                    config: config, sink: sink, metadataProvider: metadataProvider, extraOutputs: extraOutputs, traceContext: traceContext,
                    gate: gate)
                LoggingSystem.bootstrap({ label, _ in factory(label) }, metadataProvider: metadataProvider)
                installed = sink
                return .success(true)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Writes out every buffered line of the installed backend (call before printing results or exiting).
    public static func flush() { installed.withLock { $0 }?.flush() }

    /// Lines the installed output could not write, and the first reason (see ``LogSink/lost``).
    public static var lost: (lines: Int, reason: String?) { installed.withLock { $0 }?.lost ?? (0, nil) }

    /// Writes one line to the installed backend's output, in order with the log lines (the span console uses it).
    public static func write(line: String) { installed.withLock { $0 }?.write(line: Array(line.utf8)) }

    /// True when the installed output is a terminal.
    public static var outputIsTerminal: Bool { installed.withLock { $0 }?.isTerminal ?? false }
}
