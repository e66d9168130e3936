import ArgumentParser
import ECLCore
import ECLLogSQL
import ECLTelemetry
import Foundation
import OTLPExporter

extension ECLWorkflows {
    /// `ecl-workflows replay FILE --otlp-endpoint URL`: sends a fallback file or a dump to a collector.
    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send an OTLP JSONL file (a fallback file or a --jsonl-out dump) to a collector, or its log lines to the log database (--log-sql).",
            discussion: "Lines that are not OTLP JSON are reported by number and skipped. With derived ids, replaying twice is idempotent downstream.")

        @Argument(help: "The JSONL file.")
        var file: String

        @OptionGroup var exportOptions: ExportOptions

        @OptionGroup var loggingOptions: LoggingOptions

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let config = try loggingOptions.load(environment: environment)
            guard let otlp = try exportOptions.resolve(environment: environment, consoleSpans: false).otlp else {
                if let sql = config.sqlExporter {
                    try replayIntoDatabase(url: sql.databaseURL, source: loggingOptions.sqlURLSource(environment: environment).name, environment: environment)
                    return
                }
                throw UsageError("replay needs a collector (--otlp-endpoint URL, or OTEL_EXPORTER_OTLP_ENDPOINT) or a log database (--log-sql sqlite:PATH or postgres://…)")
            }
            _ = try loggingOptions.bootstrap()
            let batch: BatchConfiguration
            do { batch = try BatchConfiguration.spans(environment: environment) } catch { throw UsageError(error.message) }
            let agent = "ecl-workflows/\(OTLPResource.sdkVersion) (swift; libcurl; replay)"
            let report: @Sendable (String) -> Void = { Console.warning($0) }
            let traces = OTLPHTTPExporter(signal: .traces, configuration: otlp, userAgent: agent, report: report)
            let logs = OTLPHTTPExporter(signal: .logs, configuration: otlp, userAgent: agent, report: report)
            let summary: OTLPReplay.Summary
            do {
                summary = try OTLPReplay.replay(
                    path: file, traces: traces, logs: logs, timeoutSeconds: batch.exportTimeoutSeconds, report: { Console.warning("\(file): \($0)") })
            } catch {
                throw UsageError(error.message)
            }
            var line = "replayed \(summary.delivered) lines (\(summary.items) spans and log records) from \(file) to \(otlp.tracesURL) and \(otlp.logsURL)"
            if !summary.skipped.isEmpty { line += "; skipped \(summary.skipped.count) lines that were not OTLP JSON" }
            if !summary.failed.isEmpty { line += "; \(summary.failed.count) lines not delivered" }
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
            if !summary.failed.isEmpty { throw ExitCode(1) }
        }

        /// Loads the file's log lines (OTLP `LogsData`) into the SQL log exporter's database.
        func replayIntoDatabase(url: String, source: String, environment: [String: String]) throws {
            let store: any LogEventStore
            do throws(ECLError) {
                store = try SQLLogDestination.parse(url, source: source, environment: environment).open()
            } catch {
                throw UsageError(sql: error, source: source)
            }
            defer { store.close() }
            guard let data = FileManager.default.contents(atPath: file) else { throw UsageError("replay: cannot read '\(file)'") }
            var loaded = 0
            var skipped = 0
            var number = 0
            for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                number += 1
                let bytes = Array(line)
                if bytes.isEmpty { continue }
                guard let events = LogEventOTLP.events(fromLogsData: bytes) else {
                    let spans = (try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])?["resourceSpans"] != nil
                    if !spans { Console.warning("\(file): line \(number): not OTLP log JSON; skipped") }
                    skipped += spans ? 0 : 1
                    continue
                }
                do { try store.insert(events) } catch { throw UsageError(sql: error, source: source) }
                loaded += events.count
            }
            var summary = "loaded \(loaded) log lines from \(file) into \(store.location)"
            if skipped > 0 { summary += "; skipped \(skipped) lines that were not OTLP JSON" }
            FileHandle.standardOutput.write(Data((summary + "\n").utf8))
        }
    }
}
