import Logging
import LogLineCore

/// How much is logged.
public enum LogLevel: String, Sendable, Codable, CaseIterable, Comparable {
    case trace, debug, info, warn, error

    /// The swift-log level.
    public var loggerLevel: Logger.Level {
        switch self {
        case .trace: .trace
        case .debug: .debug
        case .info: .info
        case .warn: .warning
        case .error: .error
        }
    }

    /// Parses a level name, in any case; `warning` is accepted for `warn`.
    public init?(name: String) {
        let lowered = name.lowercased()
        if lowered == "warning" { self = .warn } else if let level = LogLevel(rawValue: lowered) { self = level } else { return nil }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.loggerLevel < rhs.loggerLevel }

    /// The accepted names, for error messages.
    public static let acceptedNames = "trace, debug, info, warn, error"
}

/// Where lines go.
public enum LogOutput: Sendable, Equatable, Codable, CustomStringConvertible {
    case stdout
    case stderr
    /// A file, appended to (never truncated), created when missing.
    case file(String)

    /// `stdout`, `stderr`, or any other text as a file path.
    public init(parsing text: String) {
        switch text {
        case "stdout", "-": self = .stdout
        case "stderr": self = .stderr
        default: self = .file(text)
        }
    }

    public var description: String {
        switch self {
        case .stdout: "stdout"
        case .stderr: "stderr"
        case .file(let path): path
        }
    }

    public init(from decoder: any Decoder) throws { self.init(parsing: try decoder.singleValueContainer().decode(String.self)) }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// The SQL log exporter's settings (used by the SQL exporter; kept here so one file configures all logging).
public struct SQLExporterConfig: Sendable, Codable, Equatable {
    /// `sqlite:PATH` or `postgres://…`. Environment: `ECL_LOG_SQL_URL`.
    public var databaseURL: String
    /// Write in batches off the caller's path (true) or on it (false). Default true.
    public var async: Bool
    /// Events held before a batch is written. Default 1000.
    public var bufferSize: Int

    /// Creates the settings.
    public init(databaseURL: String, async: Bool = true, bufferSize: Int = 1000) {
        self.databaseURL = databaseURL
        self.async = async
        self.bufferSize = bufferSize
    }
}

/// Log sampling keyed on the workflow: a share of workflows is kept whole (its spans and every line); of
/// the others only warnings and errors are written (to the console, the log database and the collector
/// alike), and their spans are not exported. The decision is the trace sampler's, on the workflow id.
public struct SamplingConfig: Sendable, Codable, Equatable {
    /// The share of workflows kept whole, 0 to 1. TOML `[logging.sampling] ratio`; environment `ECL_SAMPLE`;
    /// flag `--sample`.
    public var ratio: Double
    /// Hold a sampled-out workflow's spans and lines until it ends, and write them after all if it failed.
    /// Default true. TOML `keep_failed`; environment `ECL_SAMPLE_KEEP_FAILED`.
    public var keepFailed: Bool

    /// Creates the settings.
    public init(ratio: Double, keepFailed: Bool = true) {
        self.ratio = ratio
        self.keepFailed = keepFailed
    }
}

/// Everything about logging, in one value: built from a preset, then a TOML file, the environment and flags.
public struct LogConfig: Sendable, Codable, Equatable {
    /// The lowest level written. Default `info`. Environment: `ECL_LOG_LEVEL`; flag `--log-level`.
    public var level: LogLevel
    /// How lines look. Default `pretty`. Environment: `ECL_LOG_FORMAT`; flag `--log-format`.
    public var format: LogFormat
    /// Start each line with its time. Default true.
    public var includeTimestamps: Bool
    /// Add the file and line that logged. Default false (true in `prod`).
    public var includeLocation: Bool
    /// Color pretty lines when the output is a terminal. Default true; `NO_COLOR` turns it off.
    public var useColors: Bool
    /// Where lines go: stdout, stderr or a file path (appended to). Default stdout. Environment: `ECL_LOG_OUTPUT`.
    public var output: LogOutput
    /// Per-logger levels, such as `info,ECLCore.Store=warn`; nil for none. A bare level sets the default.
    public var filter: String?
    /// The SQL log exporter, when configured.
    public var sqlExporter: SQLExporterConfig?
    /// Log sampling keyed on the workflow; nil for every line.
    public var sampling: SamplingConfig?

    /// Creates a configuration; every parameter defaults to the `default` preset's value.
    public init(
        level: LogLevel = .info, format: LogFormat = .pretty, includeTimestamps: Bool = true, includeLocation: Bool = false,
        useColors: Bool = true, output: LogOutput = .stdout, filter: String? = nil, sqlExporter: SQLExporterConfig? = nil,
        sampling: SamplingConfig? = nil
    ) {
        self.sampling = sampling
        self.level = level
        self.format = format
        self.includeTimestamps = includeTimestamps
        self.includeLocation = includeLocation
        self.useColors = useColors
        self.output = output
        self.filter = filter
        self.sqlExporter = sqlExporter
    }

    /// info, pretty, timestamps, colors, no location.
    public static let `default` = LogConfig()
    /// For development: debug, pretty, colors.
    public static let dev = LogConfig(level: .debug, format: .pretty, useColors: true)
    /// For production: info, JSON, no colors, with location.
    public static let prod = LogConfig(level: .info, format: .json, includeLocation: true, useColors: false)

    /// The named presets.
    public static let presets: [(name: String, config: LogConfig)] = [("default", .default), ("dev", .dev), ("prod", .prod)]

    /// The preset called `name`, or nil.
    public static func preset(named name: String) -> LogConfig? { presets.first { $0.name == name }?.config }
}
