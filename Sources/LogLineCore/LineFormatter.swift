import JSONWriting
import Logging

/// Writes a ``LogLine`` as one line of text in a ``LogFormat``.
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
        self.colors = colors && format == .pretty
    }

    /// The line, without its newline.
    public func render(_ line: LogLine) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        var clock = TimestampCache()
        render(line, into: &bytes, clock: &clock)
        return bytes
    }

    /// Renders the line into this thread's reusable buffer and hands the bytes (without a newline) to `body`:
    /// no allocation once the thread has rendered a line.
    public func withRendered<Result>(_ line: LogLine, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        LineScratch.with { scratch in
            render(line, into: &scratch.bytes, clock: &scratch.clock)
            return scratch.bytes.withUnsafeBufferPointer(body)
        }
    }

    func render(_ line: LogLine, into bytes: inout [UInt8], clock: inout TimestampCache) {
        switch format {
        case .json: renderJSON(line, into: &bytes, clock: &clock)
        case .compact: renderCompact(line, into: &bytes, clock: &clock)
        case .pretty: renderPretty(line, into: &bytes, clock: &clock)
        }
    }

    // {"timestamp":"…","level":"info","logger":"…","message":"…",<fields>,"file":"…","line":12}
    private func renderJSON(_ line: LogLine, into bytes: inout [UInt8], clock: inout TimestampCache) {
        bytes.append("{")
        if includeTimestamps {
            bytes.append("\"timestamp\":\"")
            Self.appendTimestamp(line.timeUnixNano, fractionDigits: 6, dateToo: true, into: &bytes, clock: &clock)
            bytes.append("Z\",")
        }
        bytes.append("\"level\":\"")
        bytes.append(LogLevelTable.name(line.level))
        bytes.append("\",\"logger\":")
        bytes.append(jsonString: line.label)
        bytes.append(",\"message\":")
        bytes.append(jsonString: line.message)
        line.withOrderedFields { fields in
            for field in fields {
                bytes.append(ascii: ",")
                // A field named like the line's own keys is written `field.<name>`, and so is one whose name
                // starts with `field.` (`field.field.level`): no two fields ever get the same key.
                bytes.append(jsonString: Self.isReservedJSONKey(field.key) || Self.isPrefixed(field.key) ? "field." + field.key : field.key)
                bytes.append(ascii: ":")
                bytes.append(jsonValue: field.value)
            }
        }
        if includeLocation {
            bytes.append(",\"file\":")
            bytes.append(jsonString: line.file)
            bytes.append(",\"line\":")
            bytes.append(decimal: Int(line.line))
        }
        bytes.append("}")
    }

    /// Whether the JSON line itself uses `key` (timestamp, level, logger, message, file, line); a field with one
    /// of these names is written as `field.<name>` (and one named `field.…` gets a second prefix). A switch, not a set: no hashing on every field of every line.
    static func isReservedJSONKey(_ key: String) -> Bool {
        switch key {
        case "timestamp", "level", "logger", "message", "file", "line": true
        default: false
        }
    }

    /// Whether `key` starts with `field.` (its first byte is looked at first: most keys end the test there).
    static func isPrefixed(_ key: String) -> Bool {
        key.utf8.first == UInt8(ascii: "f") && key.hasPrefix("field.")
    }

    /// Whether the compact line itself uses `key` (ts, level, logger, msg, at); a field with one of these names
    /// is written as `field.<name>` (and one named `field.…` gets a second prefix), so no field can pass for the
    /// line's own or for another field.
    static func isReservedCompactKey(_ key: String) -> Bool {
        switch key {
        case "ts", "level", "logger", "msg", "at": true
        default: false
        }
    }

    // ts=… level=info logger=… msg="…" key=value …
    private func renderCompact(_ line: LogLine, into bytes: inout [UInt8], clock: inout TimestampCache) {
        if includeTimestamps {
            bytes.append("ts=")
            Self.appendTimestamp(line.timeUnixNano, fractionDigits: 6, dateToo: true, into: &bytes, clock: &clock)
            bytes.append("Z ")
        }
        bytes.append("level=")
        bytes.append(LogLevelTable.name(line.level))
        bytes.append(" logger=")
        bytes.append(logfmtText: line.label)
        bytes.append(" msg=")
        bytes.append(jsonString: line.message)
        line.withOrderedFields { fields in
            for field in fields {
                bytes.append(ascii: " ")
                bytes.append(logfmtKey: Self.isReservedCompactKey(field.key) || Self.isPrefixed(field.key) ? "field." + field.key : field.key)
                bytes.append(ascii: "=")
                bytes.append(logfmtValue: field.value)
            }
        }
        if includeLocation {
            bytes.append(" at=")
            bytes.append(visibleText: line.file)
            bytes.append(ascii: ":")
            bytes.append(decimal: Int(line.line))
        }
    }

    // 14:45:08.123 INFO  Message  key=value …  (file:line)
    private func renderPretty(_ line: LogLine, into bytes: inout [UInt8], clock: inout TimestampCache) {
        if includeTimestamps {
            style(.dim, into: &bytes)
            Self.appendTimestamp(line.timeUnixNano, fractionDigits: 3, dateToo: false, into: &bytes, clock: &clock)
            style(.reset, into: &bytes)
            bytes.append(ascii: " ")
        }
        style(Self.levelStyle(line.level), into: &bytes)
        let name = LogLevelTable.displayName(line.level)
        bytes.append(name)
        style(.reset, into: &bytes)
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: max(1, 6 - name.utf8.count)))
        style(.bold, into: &bytes)
        bytes.append(visibleText: line.message)
        style(.reset, into: &bytes)
        line.withOrderedFields { fields in
            if !fields.isEmpty { bytes.append(ascii: " ") }
            for field in fields {
                bytes.append(ascii: " ")
                style(.dim, into: &bytes)
                bytes.append(logfmtKey: field.key)
                bytes.append(ascii: "=")
                style(.reset, into: &bytes)
                bytes.append(logfmtValue: field.value)
            }
        }
        if includeLocation {
            style(.dim, into: &bytes)
            bytes.append("  (")
            bytes.append(visibleText: line.file)
            bytes.append(ascii: ":")
            bytes.append(decimal: Int(line.line))
            bytes.append(")")
            style(.reset, into: &bytes)
        }
    }

    /// `2026-11-25T14:45:08.123456` (`dateToo`) or `14:45:08.123`, UTC, the calendar part from `clock`.
    static func appendTimestamp(_ nanos: UInt64, fractionDigits: Int, dateToo: Bool, into bytes: inout [UInt8], clock: inout TimestampCache) {
        let dateTime = clock.dateTime(Int(nanos / 1_000_000_000))
        if dateToo { bytes.append(contentsOf: dateTime) } else { bytes.append(contentsOf: dateTime[11...]) }
        bytes.append(ascii: ".")
        var fraction = Int(nanos % 1_000_000_000)
        for _ in fractionDigits..<9 { fraction /= 10 }
        bytes.append(decimal: fraction, width: fractionDigits)
    }

    enum Style: String {
        case reset = "0", bold = "1", dim = "2", red = "31", green = "32", yellow = "33", blue = "34", magenta = "35", gray = "90"
    }

    private func style(_ style: Style, into bytes: inout [UInt8]) {
        guard colors else { return }
        bytes.append("\u{1B}[")
        bytes.append(style.rawValue)
        bytes.append("m")
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
