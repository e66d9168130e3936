import Logging

#if canImport(Glibc)
import Glibc
#endif
import ServiceContextModule

/// A swift-log handler that turns each line into an OTLP ``LogRecordData`` (with the trace and span it was
/// written in) and hands it to a log ``BatchProcessor``. Combine it with a console handler through
/// `MultiplexLogHandler`.
public struct OTLPLogHandler: LogHandler {
    /// The logger's label, sent as the record's instrumentation scope.
    public let label: String
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    private let processor: BatchProcessor<LogRecordData>

    /// Creates a handler.
    public init(label: String, level: Logger.Level, processor: BatchProcessor<LogRecordData>, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.logLevel = level
        self.processor = processor
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        // The same merge as ECLLogging's `LogEvent.fields(provider:handler:)`, kept here so the plugin depends
        // on swift-log alone.
        var fields = metadataProvider?.get() ?? [:]
        if !metadata.isEmpty { fields.merge(metadata) { $1 } }
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        if let error = event.error, fields["error"] == nil { fields["error"] = "\(error)" }
        var attributes: [TelemetryAttribute] = []
        attributes.reserveCapacity(fields.count + 2)
        for key in fields.keys.sorted() { attributes.append(TelemetryAttribute(key, Self.value(fields[key]!))) }
        attributes.append(TelemetryAttribute("code.filepath", .string(event.file)))
        attributes.append(TelemetryAttribute("code.lineno", .int(Int64(event.line))))
        let span = ServiceContext.current?.otlpSpanContext
        let now = Self.nowNanos()
        let (number, text) = Self.severity(event.level)
        processor.add(LogRecordData(
            timeUnixNano: now, observedTimeUnixNano: now, severityNumber: number, severityText: text,
            body: event.message.description, attributes: attributes, traceID: span?.traceID, spanID: span?.spanID,
            scopeName: label))
    }

    /// OTLP's severity number and text for a swift-log level.
    public static func severity(_ level: Logger.Level) -> (Int, String) {
        switch level {
        case .trace: (1, "TRACE")
        case .debug: (5, "DEBUG")
        case .info: (9, "INFO")
        case .notice: (10, "INFO2")
        case .warning: (13, "WARN")
        case .error: (17, "ERROR")
        case .critical: (21, "FATAL")
        }
    }

    static func value(_ value: Logger.MetadataValue) -> TelemetryValue {
        switch value {
        case .string(let text): return .string(text)
        case .stringConvertible(let convertible):
            switch convertible {
            case let flag as Bool: return .bool(flag)
            case let number as Int: return .int(Int64(number))
            case let number as Int64: return .int(number)
            case let number as Int32: return .int(Int64(number))
            case let number as Double: return .double(number)
            default: return .string(convertible.description)
            }
        case .array(let values): return .array(values.map(Self.value))
        case .dictionary(let members):
            return .string("{" + members.keys.sorted().map { "\($0)=\(members[$0]!)" }.joined(separator: ", ") + "}")
        }
    }

    static func nowNanos() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
