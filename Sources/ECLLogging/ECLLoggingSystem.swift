import Logging
import Synchronization

/// Sets up swift-log from a ``LogConfig``, once per process.
public enum ECLLoggingSystem {
    private static let installed = Mutex<LogSink?>(nil)

    /// Makes a handler factory for `config` writing to `sink`; use it with `Logger(label:factory:)` in tests
    /// to capture lines without touching the global logging system.
    public static func handlerFactory(
        config: LogConfig, sink: LogSink, metadataProvider: Logger.MetadataProvider? = nil
    ) throws(LogConfigError) -> @Sendable (String) -> any LogHandler {
        let filter = try config.filter.map { text throws(LogConfigError) in try LogFilter(parsing: text, source: "filter") }
        let formatter = LineFormatter(config: config, terminal: sink.isTerminal)
        return { label in
            let level = filter?.level(for: label, fallback: config.level) ?? config.level
            return ECLLogHandler(label: label, level: level.loggerLevel, formatter: formatter, sink: sink, metadataProvider: metadataProvider)
        }
    }

    /// Installs `config` as the process's logging backend. swift-log allows one bootstrap per process:
    /// the first call installs and returns true; later calls change nothing and return false.
    /// An unwritable output file is a ``LogConfigError`` naming the path and the system's reason.
    ///
    /// `alsoTo`, when given, makes a second handler per logger (an exporter's) that receives every line
    /// the console handler writes, at the same level.
    @discardableResult
    public static func bootstrap(
        _ config: LogConfig, metadataProvider: Logger.MetadataProvider? = nil,
        alsoTo extra: (@Sendable (_ label: String, _ level: Logger.Level) -> any LogHandler)? = nil
    ) throws(LogConfigError) -> Bool {
        let result: Result<Bool, LogConfigError> = installed.withLock { installed in
            guard installed == nil else { return .success(false) }
            do throws(LogConfigError) {
                let sink = try LogSink(output: config.output)
                let factory = try handlerFactory(config: config, sink: sink, metadataProvider: metadataProvider)
                LoggingSystem.bootstrap(
                    { label, _ in
                        let console = factory(label)
                        guard let extra else { return console }
                        return MultiplexLogHandler([console, extra(label, console.logLevel)])
                    }, metadataProvider: metadataProvider)
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
