import Logging

#if canImport(Glibc)
import Glibc
#endif

/// One log event with everything a formatter needs.
public struct LogRecord: Sendable {
    /// When it was logged.
    public var time: timespec
    /// Its level.
    public var level: Logger.Level
    /// The logger's label, such as `ECLCore.Executor`.
    public var label: String
    /// The message.
    public var message: String
    /// The fields: context first (see ``LogRecord/orderedFields``), then the rest.
    public var metadata: Logger.Metadata
    /// The file that logged (`Module/File.swift`).
    public var file: String
    /// The line that logged.
    public var line: UInt

    /// Creates a record.
    public init(time: timespec, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata, file: String, line: UInt) {
        self.time = time
        self.level = level
        self.label = label
        self.message = message
        self.metadata = metadata
        self.file = file
        self.line = line
    }

    /// The correlation fields, always first and in this order.
    public static let leadingKeys = ["workflow_id", "workflow_name", "step_id", "step_name", "attempt"]

    /// The fields in a stable order: the correlation fields first, then the rest by name.
    public var orderedFields: [(key: String, value: Logger.MetadataValue)] {
        var fields: [(key: String, value: Logger.MetadataValue)] = []
        fields.reserveCapacity(metadata.count)
        for (key, value) in metadata { fields.append((key, value)) }
        fields.sort { lhs, rhs in
            let (left, right) = (Self.rank(lhs.key), Self.rank(rhs.key))
            if left != right { return left < right }
            return lhs.key.utf8.lexicographicallyPrecedes(rhs.key.utf8)
        }
        return fields
    }

    /// A correlation field's place in ``leadingKeys``; every other field comes after them.
    static func rank(_ key: String) -> Int {
        switch key {
        case "workflow_id": 0
        case "workflow_name": 1
        case "step_id": 2
        case "step_name": 3
        case "attempt": 4
        default: 5
        }
    }

    /// The current wall-clock time.
    public static func now() -> timespec {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return time
    }

    /// The level's name as written: trace, debug, info, notice, warn, error, critical.
    public static func levelName(_ level: Logger.Level) -> String {
        switch level {
        case .trace: "trace"
        case .debug: "debug"
        case .info: "info"
        case .notice: "notice"
        case .warning: "warn"
        case .error: "error"
        case .critical: "critical"
        }
    }
}
