import Logging

/// Turns a ``LogRecord`` into one line in the configured format.
public struct LineFormatter: Sendable {
    /// The format.
    public var format: LogFormat
    /// Start lines with the time.
    public var includeTimestamps: Bool
    /// Add the file and line.
    public var includeLocation: Bool
    /// Use ANSI colors (pretty only).
    public var colors: Bool

    /// Creates a formatter.
    public init(format: LogFormat, includeTimestamps: Bool = true, includeLocation: Bool = false, colors: Bool = false) {
        self.format = format
        self.includeTimestamps = includeTimestamps
        self.includeLocation = includeLocation
        self.colors = colors
    }

    /// The formatter a configuration asks for; colors only when `terminal` is true.
    public init(config: LogConfig, terminal: Bool) {
        self.init(
            format: config.format, includeTimestamps: config.includeTimestamps, includeLocation: config.includeLocation,
            colors: config.useColors && terminal && config.format == .pretty)
    }

    /// The line, without its newline.
    public func render(_ record: LogRecord) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(256)
        switch format {
        case .json: renderJSON(record, into: &line)
        case .compact: renderCompact(record, into: &line)
        case .pretty: renderPretty(record, into: &line)
        }
        return line
    }

    // {"timestamp":"…","level":"info","logger":"…","message":"…",<fields>,"file":"…","line":12}
    private func renderJSON(_ record: LogRecord, into line: inout [UInt8]) {
        line.append("{")
        if includeTimestamps {
            line.append("\"timestamp\":\"")
            line.append(timestamp: record.time)
            line.append("\",")
        }
        line.append("\"level\":\"")
        line.append(LogRecord.levelName(record.level))
        line.append("\",\"logger\":")
        line.append(jsonString: record.label)
        line.append(",\"message\":")
        line.append(jsonString: record.message)
        for (key, value) in record.orderedFields {
            line.append(ascii: ",")
            line.append(jsonString: Self.isReservedJSONKey(key) ? "field.\(key)" : key)
            line.append(ascii: ":")
            line.append(jsonValue: value)
        }
        if includeLocation {
            line.append(",\"file\":")
            line.append(jsonString: record.file)
            line.append(",\"line\":")
            line.append(decimal: Int(record.line))
        }
        line.append("}")
    }

    /// Whether the JSON line itself uses `key` (timestamp, level, logger, message, file, line); a field with one
    /// of these names is written as `field.<name>`. A switch, not a set: no hashing on every field of every line.
    static func isReservedJSONKey(_ key: String) -> Bool {
        switch key {
        case "timestamp", "level", "logger", "message", "file", "line": true
        default: false
        }
    }

    // ts=… level=info logger=… msg="…" key=value …
    private func renderCompact(_ record: LogRecord, into line: inout [UInt8]) {
        if includeTimestamps {
            line.append("ts=")
            line.append(timestamp: record.time)
            line.append(ascii: " ")
        }
        line.append("level=")
        line.append(LogRecord.levelName(record.level))
        line.append(" logger=")
        line.append(logfmtValue: .string(record.label))
        line.append(" msg=")
        line.append(jsonString: record.message)
        for (key, value) in record.orderedFields {
            line.append(ascii: " ")
            line.append(visibleText: key)
            line.append(ascii: "=")
            line.append(logfmtValue: value)
        }
        if includeLocation {
            line.append(" at=")
            line.append(record.file)
            line.append(ascii: ":")
            line.append(decimal: Int(record.line))
        }
    }

    // 14:45:08.123 INFO  Message  key=value …  (file:line)
    private func renderPretty(_ record: LogRecord, into line: inout [UInt8]) {
        if includeTimestamps {
            style(.dim, into: &line)
            line.append(clock: record.time, fractionDigits: 3)
            style(.reset, into: &line)
            line.append(ascii: " ")
        }
        style(Self.levelStyle(record.level), into: &line)
        let name = LogRecord.levelName(record.level).uppercased()
        line.append(name)
        style(.reset, into: &line)
        line.append(contentsOf: repeatElement(UInt8(ascii: " "), count: max(1, 6 - name.count)))
        style(.bold, into: &line)
        line.append(visibleText: record.message)
        style(.reset, into: &line)
        let fields = record.orderedFields
        if !fields.isEmpty { line.append(ascii: " ") }
        for (key, value) in fields {
            line.append(ascii: " ")
            style(.dim, into: &line)
            line.append(visibleText: key)
            line.append(ascii: "=")
            style(.reset, into: &line)
            line.append(logfmtValue: value)
        }
        if includeLocation {
            style(.dim, into: &line)
            line.append("  (")
            line.append(record.file)
            line.append(ascii: ":")
            line.append(decimal: Int(record.line))
            line.append(")")
            style(.reset, into: &line)
        }
    }

    enum Style: String {
        case reset = "0", bold = "1", dim = "2", red = "31", green = "32", yellow = "33", blue = "34", magenta = "35", gray = "90"
    }

    private func style(_ style: Style, into line: inout [UInt8]) {
        guard colors else { return }
        line.append("\u{1B}[")
        line.append(style.rawValue)
        line.append("m")
    }

    static func levelStyle(_ level: Logger.Level) -> Style {
        switch level {
        case .trace: .gray
        case .debug: .blue
        case .info, .notice: .green
        case .warning: .yellow
        case .error, .critical: .red
        }
    }
}
