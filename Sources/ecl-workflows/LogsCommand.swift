import ArgumentParser
import ECLCore
@_spi(Pipeline) import ECLLogSQL
import ECLLogging
import Foundation
import Logging
import LogLineCore

extension ECLWorkflows {
    /// `ecl-workflows logs --workflow-id ID`: a workflow's log lines from the SQL log exporter's database.
    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a workflow's stored log lines (from the SQL log exporter: --log-sql, ECL_LOG_SQL_URL or ecl.toml).")

        @Option(name: .customLong("workflow-id"), help: "The run's id (a UUID).")
        var workflowId: String

        @Option(help: "Only lines at this level or above: trace, debug, info, notice, warn, error, critical.")
        var level: String?

        @Option(help: "Only lines from this time on (RFC 3339 UTC, such as 2026-11-25T14:00:00Z).")
        var since: String?

        @Option(help: "How lines are printed: text or json (default: json when the log format is json, else text).")
        var output: String?

        @OptionGroup var loggingOptions: LoggingOptions

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let resolved = try loggingOptions.load(environment: environment)
            let config = resolved.config
            let format = try OutputFormat.parse(output, logging: config)
            guard let id = WorkflowId(workflowId) else {
                throw UsageError(option: "--workflow-id", value: workflowId, expected: "a UUID such as 123e4567-e89b-42d3-a456-426614174000")
            }
            var minimum: String?
            if let level {
                // Every level a stored line can have, not only the five the log level can be set to.
                guard let parsed = LogLevelTable.level(named: level) else {
                    throw UsageError(option: "--level", value: level, expected: LogLevelTable.names.joined(separator: ", "))
                }
                minimum = LogLevelTable.name(parsed)
            }
            let sinceDate = try since.map { text in
                guard let date = UTCTimestamp.parse(text) else {
                    throw UsageError(option: "--since", value: text, expected: "an RFC 3339 UTC time such as 2026-11-25T14:00:00Z")
                }
                return date
            }
            guard let url = config.sqlExporter?.databaseURL else {
                throw UsageError("logs needs the SQL log database: --log-sql sqlite:PATH (or ECL_LOG_SQL_URL, or [logging.sql_exporter] in ecl.toml)")
            }
            let source = resolved.sqlURLSource
            let events: [ECLLogSQL.StoredLogLine]
            do throws(ECLError) {
                let destination = try SQLLogDestination.parse(url, source: source, environment: environment)
                if case .sqlite(let path) = destination, path != ":memory:", !FileManager.default.fileExists(atPath: path) {
                    throw ECLError.config("\(source): no log database at '\(path)'")
                }
                let store = try destination.open(readOnly: true)
                defer { store.close() }
                events = try store.events(workflowId: id.description, minimumLevel: minimum, since: sinceDate)
            } catch {
                throw UsageError(sql: error, source: source)
            }
            // The lines as they were logged: the live formats (JSON, or the configured pretty or compact form),
            // whose rendering escapes control characters.
            var lineConfig = config
            lineConfig.format = format == .json ? .json : (config.format == .json ? .pretty : config.format)
            lineConfig.includeLocation = false
            let formatter = LineFormatter(config: lineConfig, terminal: isatty(STDOUT_FILENO) == 1)
            for event in events {
                Console.out(String(decoding: formatter.render(event.logLine()), as: UTF8.self))
            }
            if events.isEmpty, format == .text {
                var filters: [String] = []
                if let minimum { filters.append("at \(minimum) or above") }
                if let since { filters.append("since \(since)") }
                Console.out("No log lines\(filters.isEmpty ? "" : " " + filters.joined(separator: ", ")) stored for workflow \(id).")
            }
        }
    }
}
