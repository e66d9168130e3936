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

    /// The fields in a stable order: the correlation fields first, then the rest by name. The correlation
    /// fields are looked up in order and only the others are sorted (ranking inside the sort's comparisons
    /// was a third of a JSON line's cost).
    public var orderedFields: [(key: String, value: Logger.MetadataValue)] {
        var fields: [(key: String, value: Logger.MetadataValue)] = []
        fields.reserveCapacity(metadata.count)
        for key in Self.leadingKeys {
            if let value = metadata[key] { fields.append((key, value)) }
        }
        guard fields.count < metadata.count else { return fields }
        let rest = fields.count
        for (key, value) in metadata where Self.rank(key) == Self.leadingKeys.count { fields.append((key, value)) }
        // An insertion sort in place: a line has a handful of fields, and sorting the array's slice would copy it.
        for index in (rest + 1)..<max(rest + 1, fields.count) {
            var position = index
            while position > rest, fields[position].key.utf8.lexicographicallyPrecedes(fields[position - 1].key.utf8) {
                fields.swapAt(position, position - 1)
                position -= 1
            }
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
