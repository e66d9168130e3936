import Logging

/// The one table of level names and numbers: what a line writes (`warn`), what OTLP sends (severity 13,
/// `WARN`), and the way back from each.
public enum LogLevelTable {
    /// Every level's name, lowest first: trace, debug, info, notice, warn, error, critical.
    public static let names = Logger.Level.allCases.map(name)

    /// The level's name as lines and stores write it.
    public static func name(_ level: Logger.Level) -> String {
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

    /// The level's name as the pretty format shows it: TRACE, DEBUG, INFO, NOTICE, WARN, ERROR, CRITICAL.
    public static func displayName(_ level: Logger.Level) -> String {
        switch level {
        case .trace: "TRACE"
        case .debug: "DEBUG"
        case .info: "INFO"
        case .notice: "NOTICE"
        case .warning: "WARN"
        case .error: "ERROR"
        case .critical: "CRITICAL"
        }
    }

    /// The level a name stands for (as ``name(_:)`` writes it, in any case; `warning` too); nil for others.
    public static func level(named name: String) -> Logger.Level? {
        switch name.lowercased() {
        case "trace": .trace
        case "debug": .debug
        case "info": .info
        case "notice": .notice
        case "warn", "warning": .warning
        case "error": .error
        case "critical": .critical
        default: nil
        }
    }

    /// OTLP's severity number and text for a level.
    public static func severity(_ level: Logger.Level) -> (number: Int, text: String) {
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

    /// The level of an OTLP record: its severity number when it has one (1–24), else its severity text (a
    /// level's name, or OTLP's `INFO2`, `WARN`, `FATAL`), else info.
    public static func level(severityNumber: Int, text: String?) -> Logger.Level {
        if (1...24).contains(severityNumber) { return level(severityNumber: severityNumber) }
        guard let text else { return .info }
        switch text.uppercased() {
        case "FATAL": return .critical
        case "INFO2": return .notice
        default: return level(named: text) ?? .info
        }
    }

    /// The level of an OTLP severity number (each range of four maps to its level; 0, unspecified, is info).
    public static func level(severityNumber: Int) -> Logger.Level {
        switch severityNumber {
        case 1..<5: .trace
        case 5..<9: .debug
        case 10..<13: .notice
        case 13..<17: .warning
        case 17..<21: .error
        case 21...: .critical
        default: .info
        }
    }
}
