import ArgumentParser
import ECLCore
@_spi(Pipeline) import ECLLogSQL
@_spi(Pipeline) import ECLTelemetry
import Foundation
import JSONWriting
@_spi(Pipeline) import OTLPExporter

extension ECLWorkflows {
    /// `ecl-workflows replay FILE --otlp-endpoint URL`: sends a spool or a dump to a collector.
    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a spool directory or an OTLP JSONL file (a --jsonl-out dump) to a collector, or its log lines to the log database (--log-sql).",
            discussion: """
                A spool is drained as a run drains it: oldest batch first, each removed after the collector's 2xx. A file is \
                left as it is. Lines that are not OTLP JSON are reported by number and skipped. A collector that cannot be \
                reached stops the replay at once (exit 1, the rest left in place). With derived ids, sending twice is \
                idempotent downstream. With --log-sql, a spool's log events waiting for a database (its sql-logs segments) \
                are written to it and removed; a file's log lines are loaded (loading the same file again adds nothing).
                """)

        @Argument(help: "A spool directory or an OTLP JSONL file.")
        var file: String

        @OptionGroup var collectorOptions: CollectorOptions

        @OptionGroup var database: LogDatabaseOptions

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let logging = try database.load(environment: environment)
            let resolved: OTLPHTTPConfiguration?
            // A replay sends what the file holds, both signals, whatever OTEL_*_EXPORTER says for live export.
            var settings = CollectorOptions.settings(environment: environment)
            settings.traces.exporters = [.otlp]
            settings.logs.exporters = [.otlp]
            settings.isDisabled = false
            do { resolved = try collectorOptions.resolve(settings: settings, environment: environment) } catch { throw UsageError(error.message) }
            guard let otlp = resolved else {
                if let sql = logging.config.sqlExporter {
                    try replayIntoDatabase(url: sql.databaseURL, source: logging.sqlURLSource, environment: environment)
                    return
                }
                throw UsageError("replay needs a collector (--otlp-endpoint URL, or OTEL_EXPORTER_OTLP_ENDPOINT) or a log database (--log-sql sqlite:PATH or postgres://…)")
            }
            let batch = settings.traces.batch
            let agent = "ecl-workflows/\(OTLPResource.sdkVersion) (swift; libcurl; replay)"
            let report: @Sendable (String) -> Void = { Console.warning($0) }
            let traces = OTLPHTTPExporter(signal: .traces, configuration: otlp, userAgent: agent, report: report)
            let logs = OTLPHTTPExporter(signal: .logs, configuration: otlp, userAgent: agent, report: report)
            let metrics = otlp.metrics.map { _ in OTLPHTTPExporter(signal: .metrics, configuration: otlp, userAgent: agent, report: report) }
            let summary: OTLPReplay.Summary
            do {
                summary = try OTLPReplay.replay(
                    path: file, traces: traces, logs: logs, metrics: metrics, timeoutSeconds: batch.exportTimeoutSeconds,
                    report: { Console.warning("\(file): \($0)") })
            } catch {
                throw UsageError(error.message)
            }
            var line = "replayed \(summary.delivered) \(summary.delivered == 1 ? "line" : "lines") (\(summary.items) spans, log records and metric data points) from \(file) to \(otlp.collectorName)"
            if !summary.skipped.isEmpty { line += "; skipped \(summary.skipped.count) lines that were not OTLP JSON" }
            if !summary.failed.isEmpty { line += "; \(summary.failed.count) refused by the collector" }
            if summary.notSent > 0 { line += "; \(summary.notSent) not sent (see above)" }
            if summary.refusedInPart > 0 { line += "; \(summary.refusedInPart) items refused by the collector within accepted lines (a partial success; kept nowhere)" }
            Console.out(line)
            if !summary.failed.isEmpty || summary.notSent > 0 || summary.refusedInPart > 0 { throw ExitCode(1) }
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
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
                throw UsageError("replay: '\(file)' does not exist; expected an OTLP JSONL file or a spool directory")
            }
            if isDirectory.boolValue {
                try drainIntoDatabase(store, source: source)
                return
            }
            let path = file
            guard let data = FileManager.default.contents(atPath: path) else { throw UsageError("replay: cannot read '\(path)'") }
            var loaded = 0
            var alreadyStored = 0
            var skipped = 0
            var spanLines = 0
            var number = 0
            for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                number += 1
                let bytes = Array(line)
                if bytes.isEmpty { continue }
                guard let events = StoredLogLineOTLP.events(fromLogsData: bytes) else {
                    let parsed = Result { try JSONSerialization.jsonObject(with: Data(bytes)) }
                    let spans = ((try? parsed.get()) as? [String: Any])?["resourceSpans"] != nil
                    if !spans {
                        // Why, in a few words: a line that is not JSON at all (one bad character, such as a lone
                        // surrogate escape, makes a whole line unreadable) or JSON of another shape.
                        let why: String
                        if case .failure(let error) = parsed {
                            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
                            why = "not valid JSON (\(VisibleText.escape(String(detail.prefix(120)))))"
                        } else {
                            why = "JSON, but not an OTLP LogsData object"
                        }
                        Console.warning("\(file): line \(number): \(why); skipped")
                    }
                    skipped += spans ? 0 : 1
                    spanLines += spans ? 1 : 0
                    continue
                }
                do throws(ECLError) { loaded += try store.insert(events) } catch { throw UsageError(sql: error, source: source) }
                alreadyStored += events.count
            }
            alreadyStored -= loaded
            if loaded + alreadyStored == 0, spanLines == 0 {
                throw UsageError("replay: '\(file)' holds no OTLP JSON line (LogsData or TracesData); nothing to load")
            }
            var summary = "loaded \(loaded) log lines from \(path) into \(store.location)"
            if alreadyStored > 0 { summary += "; \(alreadyStored) were stored already" }
            if skipped > 0 { summary += "; skipped \(skipped) lines that were not OTLP JSON" }
            Console.out(summary)
        }

        /// Writes a spool's waiting log events (its `sql-logs` segments) to the database, oldest first, each
        /// batch removed once stored; stops at once when the database cannot take them (exit 1).
        func drainIntoDatabase(_ store: any LogEventStore, source: String) throws {
            let streams = Spool.prefixes(in: file, base: SQLLogWriter.spoolPrefix)
            guard Spool.pendingBatches(in: file, prefixes: streams) > 0 else {
                throw UsageError("replay: the spool '\(file)' holds no log events waiting for a database (\(SQLLogWriter.spoolPrefix)*.jsonl); nothing to load")
            }
            var summary = OTLPReplay.Summary()
            for prefix in streams {
                let spool: Spool
                do { spool = try Spool(directory: file, signal: .logs, prefix: prefix) } catch { throw UsageError(error.message) }
                let drained = OTLPReplay.drain(spool, to: SpooledEventsExporter(store: store), timeoutSeconds: 30) { Console.warning("\(file): \($0)") }
                summary.items += drained.items
                summary.failed += drained.failed
                summary.notSent += drained.notSent
                if drained.notSent > 0 { break }
            }
            rmdir(file)
            var line = "loaded \(summary.items) log lines from \(file) into \(store.location)"
            if summary.notSent > 0 { line += "; \(summary.notSent) batches not loaded (see above)" }
            Console.out(line)
            if summary.notSent > 0 || !summary.failed.isEmpty { throw ExitCode(1) }
        }
    }
}
