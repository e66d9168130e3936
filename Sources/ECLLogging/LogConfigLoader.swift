import Foundation
import LogLineCore
import TOMLKit

/// The command-line flags that shape logging; nil for a flag not given.
public struct LogFlags: Sendable, Equatable {
    /// `--preset default|dev|prod`.
    public var preset: String?
    /// `--config FILE`.
    public var config: String?
    /// `--log-level LEVEL`.
    public var logLevel: String?
    /// `--log-format FORMAT`.
    public var logFormat: String?
    /// `--sample RATIO`.
    public var sample: String?

    /// Creates flags.
    public init(preset: String? = nil, config: String? = nil, logLevel: String? = nil, logFormat: String? = nil, sample: String? = nil) {
        self.sample = sample
        self.preset = preset
        self.config = config
        self.logLevel = logLevel
        self.logFormat = logFormat
    }
}

/// A ``LogConfig`` and where the settings a command reports came from, read once.
public struct ResolvedLogConfig: Sendable, Equatable {
    /// The configuration.
    public var config: LogConfig
    /// The preset's name (`default`, `dev`, `prod`).
    public var preset: String
    /// What named the SQL log database, for messages: `--log-sql`, `ECL_LOG_SQL_URL`, the TOML key, or the preset.
    public var sqlURLSource: String
    /// The SQL log database is the preset's own (no flag, variable or file set it): a database that cannot be
    /// opened is then a warning, not an error.
    public var sqlURLFromPreset: Bool
    /// The TOML file read, if any.
    public var configFile: String? = nil
}

/// Builds a ``LogConfig`` from its sources, each overriding the one before:
/// preset → TOML file (`--config`, `ECL_CONFIG`, or `./ecl.toml` when present) → environment → flags.
public enum LogConfigLoader {
    /// The keys a `[logging]` table may hold.
    static let loggingKeys = ["level", "format", "include_timestamps", "include_location", "use_colors", "output", "filter", "sql_exporter", "sampling"]
    /// The keys a `[logging.sampling]` table may hold.
    static let samplingKeys = ["ratio", "keep_failed"]
    /// The keys a `[logging.sql_exporter]` table may hold (`async_export` is the stage design's name of `async`).
    static let sqlKeys = ["database_url", "async", "async_export", "buffer_size"]

    /// Loads the configuration. `currentDirectory` is where `ecl.toml` is looked for.
    public static func load(
        flags: LogFlags, environment: [String: String], currentDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(LogConfigError) -> LogConfig {
        try resolve(flags: flags, environment: environment, currentDirectory: currentDirectory).config
    }

    /// Loads the configuration and where its preset and SQL log database came from. `logSQL` is the
    /// command's `--log-sql`, over every other source.
    public static func resolve(
        flags: LogFlags, logSQL: String? = nil, environment: [String: String],
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(LogConfigError) -> ResolvedLogConfig {
        // 1. Preset.
        let presetSource = flags.preset != nil ? "--preset" : "ECL_PRESET"
        let presetName = flags.preset ?? environment["ECL_PRESET"].nonEmpty ?? "default"
        guard var config = LogConfig.preset(named: presetName) else {
            throw .invalid("preset", value: presetName, source: presetSource, accepted: LogConfig.presets.map(\.name).joined(separator: ", "))
        }
        var sqlSource = config.sqlExporter == nil ? "logging.sql_exporter.database_url" : "the \(presetName) preset's SQL log exporter"
        var sqlFromPreset = config.sqlExporter != nil

        // 2. TOML file.
        let file = configFile(flags: flags, environment: environment, currentDirectory: currentDirectory)
        if let (path, source) = file {
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw LogConfigError("\(source): cannot read '\(path)': \(Self.reason(error))")
            }
            if try apply(toml: text, path: path, to: &config) {
                (sqlSource, sqlFromPreset) = ("logging.sql_exporter.database_url", false)
            }
        }

        // The database named again (environment, flag): its URL and source replaced, its other settings kept.
        func useDatabase(_ url: String, from source: String) {
            config.sqlExporter = SQLExporterConfig(
                databaseURL: url, async: config.sqlExporter?.async ?? true, bufferSize: config.sqlExporter?.bufferSize ?? 1000)
            (sqlSource, sqlFromPreset) = (source, false)
        }
        // A sampling ratio given again: keep_failed as it was (default true).
        func sample(_ text: String, from source: String) throws(LogConfigError) {
            config.sampling = SamplingConfig(ratio: try ratio(text, source: source), keepFailed: config.sampling?.keepFailed ?? true)
        }

        // 3. Environment.
        if let value = environment["ECL_LOG_LEVEL"].nonEmpty { config.level = try level(value, source: "ECL_LOG_LEVEL") }
        if let value = environment["ECL_LOG_FORMAT"].nonEmpty { config.format = try format(value, source: "ECL_LOG_FORMAT") }
        if let value = environment["ECL_LOG_OUTPUT"].nonEmpty { config.output = LogOutput(parsing: value) }
        if let value = environment["ECL_LOG_FILTER"].nonEmpty { try applyFilter(value, source: "ECL_LOG_FILTER", to: &config) }
        if let value = environment["ECL_LOG_SQL_URL"].nonEmpty { useDatabase(value, from: "ECL_LOG_SQL_URL") }
        if environment["NO_COLOR"].nonEmpty != nil { config.useColors = false }
        if let value = environment["ECL_SAMPLE"].nonEmpty { try sample(value, from: "ECL_SAMPLE") }
        var keepFailed: Bool?
        if let value = environment["ECL_SAMPLE_KEEP_FAILED"].nonEmpty {
            guard let flag = ["true": true, "false": false][value.lowercased()] else {
                throw .invalid("keep-failed setting", value: value, source: "ECL_SAMPLE_KEEP_FAILED", accepted: "true, false")
            }
            keepFailed = flag
        }

        // 4. Flags.
        if let value = flags.logLevel { config.level = try level(value, source: "--log-level") }
        if let value = flags.logFormat { config.format = try format(value, source: "--log-format") }
        if let value = flags.sample { try sample(value, from: "--sample") }
        // The environment's keep_failed holds for a ratio from any source (the file, ECL_SAMPLE, --sample).
        if let keepFailed { config.sampling?.keepFailed = keepFailed }
        if let logSQL { useDatabase(logSQL, from: "--log-sql") }
        return ResolvedLogConfig(
            config: config, preset: presetName, sqlURLSource: sqlSource, sqlURLFromPreset: sqlFromPreset, configFile: file?.0)
    }

    /// The TOML file to read and what named it, or nil for none.
    static func configFile(flags: LogFlags, environment: [String: String], currentDirectory: String) -> (String, String)? {
        if let path = flags.config { return (path, "--config") }
        if let path = environment["ECL_CONFIG"].nonEmpty { return (path, "ECL_CONFIG") }
        let local = (currentDirectory as NSString).appendingPathComponent("ecl.toml")
        return FileManager.default.fileExists(atPath: local) ? (local, "ecl.toml") : nil
    }

    /// Applies a TOML document's `[logging]` table; every key is optional, unknown keys (at the top level too)
    /// are errors. True when it names the SQL log database.
    @discardableResult
    static func apply(toml text: String, path: String, to config: inout LogConfig) throws(LogConfigError) -> Bool {
        let document: TOMLTable
        do { document = try TOMLTable(string: text) } catch let error as TOMLParseError {
            throw LogConfigError("\(path):\(error.source.begin.line):\(error.source.begin.column): malformed TOML: \(error.description)")
        } catch {
            throw LogConfigError("\(path): malformed TOML: \(error)")
        }
        for key in document.keys where key != "logging" {
            let kind = document[key]?.table != nil ? "table '[\(key)]'" : "key '\(key)'"
            throw LogConfigError("\(path): unknown \(kind); accepted: [logging] (with its keys, [logging.sql_exporter] and [logging.sampling])")
        }
        guard let entry = document["logging"] else { return false }
        guard let logging = entry.table else { throw LogConfigError("\(path): 'logging' must be a table ([logging])") }
        for key in logging.keys where !loggingKeys.contains(key) {
            throw LogConfigError("\(path): unknown key 'logging.\(key)'; accepted: \(loggingKeys.joined(separator: ", "))")
        }
        func string(_ key: String) throws(LogConfigError) -> String? {
            guard let value = logging[key] else { return nil }
            guard let text = value.string else { throw LogConfigError("\(path): logging.\(key) must be a string") }
            return text
        }
        func bool(_ key: String) throws(LogConfigError) -> Bool? {
            guard let value = logging[key] else { return nil }
            guard let flag = value.bool else { throw LogConfigError("\(path): logging.\(key) must be true or false") }
            return flag
        }
        let source = "\(path): logging"
        if let value = try string("level") { config.level = try level(value, source: source + ".level") }
        if let value = try string("format") { config.format = try format(value, source: source + ".format") }
        if let value = try bool("include_timestamps") { config.includeTimestamps = value }
        if let value = try bool("include_location") { config.includeLocation = value }
        if let value = try bool("use_colors") { config.useColors = value }
        if let value = try string("output") { config.output = LogOutput(parsing: value) }
        if let value = try string("filter") { try applyFilter(value, source: source + ".filter", to: &config) }
        if let value = logging["sql_exporter"] {
            guard let table = value.table else { throw LogConfigError("\(path): logging.sql_exporter must be a table") }
            for key in table.keys where !sqlKeys.contains(key) {
                throw LogConfigError("\(path): unknown key 'logging.sql_exporter.\(key)'; accepted: \(sqlKeys.joined(separator: ", "))")
            }
            guard let url = table["database_url"]?.string, !url.isEmpty else {
                throw LogConfigError("\(path): logging.sql_exporter.database_url must be a non-empty string")
            }
            var sql = SQLExporterConfig(databaseURL: url)
            if table["async"] != nil, table["async_export"] != nil {
                throw LogConfigError("\(path): logging.sql_exporter has both async and async_export; expected one of them (they are the same setting)")
            }
            for key in ["async", "async_export"] {
                guard let value = table[key] else { continue }
                guard let flag = value.bool else { throw LogConfigError("\(path): logging.sql_exporter.\(key) must be true or false") }
                sql.async = flag
            }
            if let value = table["buffer_size"] {
                guard let size = value.int, size >= 1 else {
                    throw LogConfigError("\(path): logging.sql_exporter.buffer_size must be a whole number of 1 or more")
                }
                sql.bufferSize = size
            }
            config.sqlExporter = sql
        }
        if let value = logging["sampling"] {
            guard let table = value.table else { throw LogConfigError("\(path): logging.sampling must be a table") }
            for key in table.keys where !samplingKeys.contains(key) {
                throw LogConfigError("\(path): unknown key 'logging.sampling.\(key)'; accepted: \(samplingKeys.joined(separator: ", "))")
            }
            // Without a ratio (keep_failed alone, the ratio from ECL_SAMPLE or --sample), every workflow is kept.
            let ratio = table["ratio"]
            guard let number = ratio == nil ? 1 : ratio?.double ?? ratio?.int.map(Double.init), (0...1).contains(number) else {
                throw LogConfigError(
                    "\(path): logging.sampling.ratio: '\(ratio.map { "\($0)" } ?? "")' is not accepted; expected a number from 0 to 1 (the share of workflows kept whole)")
            }
            var sampling = SamplingConfig(ratio: number)
            if let value = table["keep_failed"] {
                guard let flag = value.bool else { throw LogConfigError("\(path): logging.sampling.keep_failed must be true or false") }
                sampling.keepFailed = flag
            }
            config.sampling = sampling
        }
        return logging["sql_exporter"] != nil
    }

    /// A sampling ratio: a number from 0 to 1.
    static func ratio(_ text: String, source: String) throws(LogConfigError) -> Double {
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite, (0...1).contains(value) else {
            throw .invalid("sampling ratio", value: text, source: source, accepted: "a number from 0 to 1, such as 0.1 (the share of workflows kept whole)")
        }
        return value
    }

    static func applyFilter(_ text: String, source: String, to config: inout LogConfig) throws(LogConfigError) {
        let filter = try LogFilter(parsing: text, source: source)
        if let level = filter.defaultLevel { config.level = level }
        config.filter = text
    }

    static func level(_ text: String, source: String) throws(LogConfigError) -> LogLevel {
        guard let level = LogLevel(name: text) else {
            throw .invalid("log level", value: text, source: source, accepted: LogLevel.acceptedNames)
        }
        return level
    }

    static func format(_ text: String, source: String) throws(LogConfigError) -> LogFormat {
        guard let format = LogFormat(rawValue: text.lowercased()) else {
            throw .invalid("log format", value: text, source: source, accepted: LogFormat.acceptedNames)
        }
        return format
    }

    static func reason(_ error: any Error) -> String {
        if let cocoa = error as? CocoaError, let underlying = cocoa.userInfo[NSUnderlyingErrorKey] as? POSIXError {
            return String(cString: strerror(underlying.code.rawValue))
        }
        if let cocoa = error as? CocoaError, cocoa.code == .fileReadNoSuchFile { return "No such file or directory" }
        return (error as NSError).localizedDescription
    }
}

extension Optional where Wrapped == String {
    /// The string, or nil when it is nil or empty.
    var nonEmpty: String? {
        guard let self, !self.isEmpty else { return nil }
        return self
    }
}
