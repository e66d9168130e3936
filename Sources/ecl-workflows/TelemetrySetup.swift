import CurlClient
import ECLCore
@_spi(Pipeline) import ECLLogSQL
import ECLLogging
@_spi(Pipeline) import ECLTelemetry
import Foundation
@_spi(Pipeline) import OTLPExporter
import Synchronization

/// Sets up logging and telemetry for a command before anything else runs, and tears it down at exit.
enum TelemetrySetup {
    /// What was installed, and from what.
    private struct Installed {
        let telemetry: Telemetry
        let options: TelemetryOptions
        let config: LogConfig
    }

    private static let installed = Mutex<Installed?>(nil)

    /// Loads the logging configuration, resolves export options, installs both, and starts listening for
    /// SIGINT and SIGTERM (see ``Interruption``). Without `logDatabase`, the SQL log exporter is left out.
    /// Returns the configuration and how results are printed (`output`, the command's `--output`).
    ///
    /// Standard output's rule: when results are JSON, every line on standard output is JSON. JSON logs stay
    /// there with the results; pretty or compact logs, and the dev preset's span lines, go to standard error.
    static func start(
        logging: LoggingOptions, export: ExportOptions?, output: String?, logDatabase: Bool = true, store: String? = nil
    ) throws -> (config: LogConfig, results: OutputFormat) {
        let environment = ProcessInfo.processInfo.environment
        let resolved = try logging.load(environment: environment)
        var config = resolved.config
        if !logDatabase { config.sqlExporter = nil }
        let results = try OutputFormat.parse(output, logging: config)
        var options = try export?.resolve(environment: environment, consoleSpans: resolved.preset == "dev", prod: resolved.preset == "prod") ?? TelemetryOptions()
        if results == .json, config.output == .stdout {
            if config.format == .json { options.consoleSpansToStandardError = true } else { config.output = .stderr }
        }
        (options.sqlURLSource, options.sqlURLFromPreset) = (resolved.sqlURLSource, resolved.sqlURLFromPreset)
        if let textFile = options.metricsTextFile { try refuseClash(textFile, config: config, options: options, store: store, configFile: resolved.configFile) }
        let telemetry: Telemetry
        // A set-up that fails leaves no empty spool directory behind that it made.
        let spool = options.spoolDirectory ?? TelemetryOptions.defaultSpoolDirectory
        let spoolExisted = FileManager.default.fileExists(atPath: spool)
        defer { if installed.withLock({ $0 == nil }), !spoolExisted { rmdir(spool) } }
        do {
            telemetry = try Telemetry.bootstrap(logConfig: config, options: options, environment: environment) { warning in
                Console.warning(warning)
            }
        } catch let error as LogConfigError {
            throw UsageError(error.message)
        } catch let error as OTLPConfigError {
            throw UsageError(error.message)
        } catch let error as ECLError {
            throw UsageError(error.plainMessage)
        }
        installed.withLock { $0 = Installed(telemetry: telemetry, options: options, config: config) }
        Interruption.shared.listen()
        return (config, results)
    }

    /// The collector `signal` was sent to (its own destination's scheme, host and port), if any.
    private static func collector(of signal: OTLPSignal, _ otlp: OTLPHTTPConfiguration?) -> String? {
        guard let destination = otlp?.destination(for: signal) else { return nil }
        var alone = OTLPHTTPConfiguration(traces: nil, logs: nil)
        alone.setDestination(destination, for: signal)
        return alone.collectorName
    }

    /// `--metrics-out` replaces its file whole: it must not be one of the run's other outputs.
    private static func refuseClash(_ textFile: String, config: LogConfig, options: TelemetryOptions, store: String?, configFile: String?) throws {
        var others: [(String, String)] = []
        // A SQLite file comes with its journal, write-ahead log and shared memory beside it.
        func database(_ path: String, _ what: String) {
            others.append((path, what))
            for suffix in ["-wal", "-shm", "-journal"] { others.append((path + suffix, what + "'s \(suffix.dropFirst()) file")) }
        }
        if let store, store != ":memory:" { database(store, "the store (--db)") }
        if let url = config.sqlExporter?.databaseURL, url.hasPrefix("sqlite:") { database(String(url.dropFirst("sqlite:".count)), "the log database") }
        if let file = configFile { others.append((file, "the configuration file")) }
        if let dump = options.jsonlOut {
            others += [(dump, "the spans dump (--jsonl-out)"), (TelemetryOptions.logsPath(for: dump), "the logs dump"),
                       (TelemetryOptions.metricsPath(for: dump), "the metrics dump")]
        }
        try ExportOptions.refuseClash(textFile, option: "--metrics-out", with: others, when: " at each write")
    }

    /// Delivers everything pending (what cannot be delivered stays in the spool); safe to call more than
    /// once. Returns how many spans and log records were written nowhere (0 when all were kept).
    @discardableResult
    static func finish() -> Int {
        let telemetry = installed.withLock { $0?.telemetry }
        // After Ctrl-C the collector gets a second; what it has not taken by then waits in the spool.
        telemetry?.shutdown(timeoutSeconds: Interruption.shared.signal == nil ? nil : Interruption.gracePeriod)
        ECLLoggingSystem.flush()
        return telemetry?.notWritten ?? 0
    }

    /// Spools everything pending without touching the network: for a process that must exit now.
    static func spoolNow() {
        installed.withLock { $0?.telemetry }?.spoolNow()
        ECLLoggingSystem.flush()
    }

    /// The engine's metrics, aggregated in memory: what the summary and the progress line count from. An
    /// empty one before set-up (a command that never started telemetry counts nothing).
    static func metrics() -> OTLPMetricsFactory {
        installed.withLock { $0?.telemetry.metrics } ?? OTLPMetricsFactory()
    }

    /// What has become of the run's spans so far (nil when none are exported): for the progress line.
    static func spanCounters() -> BatchProcessor<SpanData>.Counters? {
        installed.withLock { $0?.telemetry.spans?.counters }
    }

    /// Where the run wrote: the store (`store`), the dumps, the log database and the spool when it holds
    /// anything; and where its spans went. For the summary, once telemetry is finished.
    static func written(store: String) -> RunOutputs {
        var outputs = RunOutputs()
        if store != ":memory:" { outputs.files.append(.init(path: store, holds: "the store")) }
        guard let installed = installed.withLock({ $0 }) else { return outputs }
        if let dump = installed.options.jsonlOut {
            outputs.files.append(.init(path: dump, holds: "spans, OTLP JSON lines"))
            let logs = TelemetryOptions.logsPath(for: dump)
            if logs != dump { outputs.files.append(.init(path: logs, holds: "log records, OTLP JSON lines")) }
            let metrics = TelemetryOptions.metricsPath(for: dump)
            if metrics != dump, installed.telemetry.metricReader != nil {
                outputs.files.append(.init(path: metrics, holds: "metrics, OTLP JSON lines"))
            }
        }
        if let path = installed.options.metricsTextFile, let prometheus = installed.telemetry.prometheus, prometheus.published.written > 0 {
            // A file whose last write failed holds earlier figures: said so, not listed as the run's.
            let stale = prometheus.published.finalWriteFailed ? "; its last write failed, it holds earlier figures" : ""
            outputs.files.append(.init(path: path, holds: "metrics, Prometheus text\(stale)"))
        }
        if let url = installed.config.sqlExporter?.databaseURL {
            // The level decides what the database gets: said here, since `--log-level warn` stores no info line.
            let lines = installed.telemetry.sqlWriter?.writtenCount ?? 0
            let level = installed.config.level
            let which = level == .trace ? "" : " at \(level.rawValue) and above"
            let shown = url.hasPrefix("sqlite:") ? String(url.dropFirst("sqlite:".count)) : SQLLogDestination.redactingPassword(url)
            outputs.files.append(.init(path: shown, holds: "the log database: \(lines) log line\(lines == 1 ? "" : "s")\(which)"))
        }
        // This run's own spool streams (other destinations' segments are said once at start, not here).
        if let usage = installed.telemetry.spoolBacklog, usage.segments > 0 {
            let size = Spool.sizeText(bytes: usage.bytes)
            outputs.files.append(.init(path: usage.directory + "/", holds: "\(usage.segments) spool segment\(usage.segments == 1 ? "" : "s"), \(size), waiting to be sent"))
        }
        if let counters = installed.telemetry.spans?.counters {
            outputs.spans = .init(
                collector: collector(of: .traces, installed.options.otlp), delivered: counters.delivered, spooled: counters.spooled,
                rejected: counters.rejected, lost: counters.lost)
        }
        if let counters = installed.telemetry.metricReader?.counters {
            outputs.metrics = .init(
                collector: collector(of: .metrics, installed.options.otlp), delivered: counters.delivered, spooled: counters.spooled,
                rejected: counters.rejected, lost: counters.lost)
        }
        if let gateway = installed.options.pushgateway, let published = installed.telemetry.prometheus?.published {
            outputs.prometheus = .init(
                pushgateway: URLText.redacted(gateway.url), job: gateway.job, run: gateway.grouping.first { $0.0 == "run" }?.1 ?? "",
                pushes: published.pushed, failed: published.pushFailures, last_push_failed: published.finalPushMissing)
        }
        if let endpoint = installed.telemetry.scrapeEndpoint {
            outputs.prometheus_endpoint = .init(url: endpoint.url, scrapes: endpoint.scrapes)
        }
        if let sampling = installed.config.sampling {
            outputs.sampling = .init(ratio: sampling.ratio, keep_failed: sampling.keepFailed, kept_failed: installed.telemetry.keptFailedWorkflows)
        }
        return outputs
    }
}
