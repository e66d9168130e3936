import ArgumentParser
import ECLCore
import ECLLogging
import Foundation

/// Where log events are stored: the TOML file (its `[logging.sql_exporter]`) and `--log-sql`. Shared by
/// `run`, `logs` and `replay` (which needs nothing else of the logging options).
struct LogDatabaseOptions: ParsableArguments {
    @Option(help: "A TOML file with a [logging] table (default: ECL_CONFIG, else ./ecl.toml when present).")
    var config: String?

    @Option(name: .customLong("log-sql"), help: "Also store log events in a database: sqlite:PATH or postgres://USER[:PASSWORD]@HOST[:PORT]/DB (overrides ECL_LOG_SQL_URL).")
    var logSQL: String?

    /// The logging configuration with no preset or level named: what `replay` reads its database from.
    func load(environment: [String: String]) throws -> ResolvedLogConfig {
        try LoggingOptions.load(flags: LogFlags(preset: nil, config: config, logLevel: nil, logFormat: nil), logSQL: logSQL, environment: environment)
    }
}

/// The options that shape logging, shared by every command; logging is set up before anything else runs.
struct LoggingOptions: ParsableArguments {
    @OptionGroup var database: LogDatabaseOptions

    @Option(help: "The logging preset: default, dev or prod (default: ECL_PRESET, else default).")
    var preset: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, warn or error (overrides ECL_LOG_LEVEL).")
    var logLevel: String?

    @Option(name: .customLong("log-format"), help: "pretty, compact or json (overrides ECL_LOG_FORMAT).")
    var logFormat: String?

    // Unconditional: `--sample -1` is a bad ratio (said as such), not a missing value.
    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Keep this share of workflows whole, 0 to 1: their spans and every line; of the rest only warnings and errors (and all of a workflow that fails). Overrides ECL_SAMPLE and [logging.sampling] ratio.",
        valueName: "RATIO"))
    var sample: String?

    /// Loads the configuration from preset, file, environment and flags, once, with where its preset and
    /// SQL log database came from; a problem is a one-line ``UsageError``.
    func load(environment: [String: String]) throws -> ResolvedLogConfig {
        try Self.load(
            flags: LogFlags(preset: preset, config: database.config, logLevel: logLevel, logFormat: logFormat, sample: sample), logSQL: database.logSQL,
            environment: environment)
    }

    static func load(flags: LogFlags, logSQL: String?, environment: [String: String]) throws -> ResolvedLogConfig {
        do { return try LogConfigLoader.resolve(flags: flags, logSQL: logSQL, environment: environment) } catch { throw UsageError(error.message) }
    }

    /// Loads the configuration and installs logging alone, for commands that read the store: they export
    /// nothing and never open the log database (a bad one does not stop them).
    /// Returns how results are printed (`output`, the command's `--output`).
    func bootstrapForReading(output: String?) throws -> OutputFormat {
        try TelemetrySetup.start(logging: self, export: nil, output: output, logDatabase: false).results
    }
}
