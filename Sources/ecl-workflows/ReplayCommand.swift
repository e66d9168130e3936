import ArgumentParser
import ECLTelemetry
import Foundation
import OTLPExporter

extension ECLWorkflows {
    /// `ecl-workflows replay FILE --otlp-endpoint URL`: sends a fallback file or a dump to a collector.
    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send an OTLP JSONL file (a fallback file or a --jsonl-out dump) to a collector.",
            discussion: "Lines that are not OTLP JSON are reported by number and skipped. With derived ids, replaying twice is idempotent downstream.")

        @Argument(help: "The JSONL file.")
        var file: String

        @OptionGroup var exportOptions: ExportOptions

        @OptionGroup var loggingOptions: LoggingOptions

        func run() async throws {
            _ = try loggingOptions.bootstrap()
            let environment = ProcessInfo.processInfo.environment
            guard let otlp = try exportOptions.resolve(environment: environment, consoleSpans: false).otlp else {
                throw UsageError("replay needs a collector: --otlp-endpoint URL (or OTEL_EXPORTER_OTLP_ENDPOINT)")
            }
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
    }
}
