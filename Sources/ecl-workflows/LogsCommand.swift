import ArgumentParser
import ECLCore
import ECLLogSQL
import ECLLogging
import Foundation
import JSONWriting

extension ECLWorkflows {
    /// `ecl-workflows logs --workflow-id ID`: a workflow's log lines from the SQL log exporter's database.
    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a workflow's stored log lines (from the SQL log exporter: --log-sql, ECL_LOG_SQL_URL or ecl.toml).")

        @Option(name: .customLong("workflow-id"), help: "The run's id (a UUID).")
        var workflowId: String

        @Option(help: "Only lines at this level or above: trace, debug, info, warn, error.")
        var level: String?

        @Option(help: "Only lines from this time on (RFC 3339 UTC, such as 2026-11-25T14:00:00Z).")
        var since: String?

        @Option(help: "How lines are printed: text or json (default: json when the log format is json, else text).")
        var output: String?

        @OptionGroup var loggingOptions: LoggingOptions

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let config = try loggingOptions.load(environment: environment)
            let format = try OutputFormat.parse(output, logging: config)
            guard let id = WorkflowId(workflowId) else {
                throw UsageError(option: "--workflow-id", value: workflowId, expected: "a UUID such as 123e4567-e89b-42d3-a456-426614174000")
            }
            var minimum: String?
            if let level {
                guard let parsed = LogLevel(name: level) else {
                    throw UsageError(option: "--level", value: level, expected: LogLevel.acceptedNames)
                }
                minimum = parsed.rawValue
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
            let source = loggingOptions.sqlURLSource(environment: environment).name
            let events: [LogEvent]
            do throws(ECLError) {
                let destination = try SQLLogDestination.parse(url, source: source, environment: environment)
                if case .sqlite(let path) = destination, path != ":memory:", !FileManager.default.fileExists(atPath: path) {
                    throw ECLError.config("\(source): no log database at '\(path)'")
                }
                let store = try destination.open()
                defer { store.close() }
                events = try store.events(workflowId: id.description, minimumLevel: minimum, since: sinceDate)
            } catch {
                throw UsageError(sql: error, source: source)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for event in events {
                let line: String
                switch format {
                case .json:
                    var object = (try? JSONSerialization.jsonObject(with: Data(event.fields.utf8)) as? [String: Any]) ?? [:]
                    object["timestamp"] = UTCTimestamp.format(event.timestamp)
                    object["level"] = event.level
                    object["logger"] = event.logger
                    object["message"] = event.message
                    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
                    line = String(decoding: data, as: UTF8.self)
                case .text:
                    line = "\(UTCTimestamp.format(event.timestamp)) \(event.level.uppercased().padded(5)) \(event.message)  \(event.stepId.map { "step_id=\($0) " } ?? "")fields=\(event.fields)"
                }
                Console.out(format == .text ? VisibleText.escape(line) : line)
            }
            if events.isEmpty, format == .text {
                Console.out("No log lines stored for workflow \(id).")
            }
        }
    }
}
