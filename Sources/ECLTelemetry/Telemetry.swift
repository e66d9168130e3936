import CoreMetrics
import ECLCore
@_spi(Pipeline) import ECLLogSQL
import ECLLogging
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import LogLineCore
@_spi(Pipeline) import OTLPExporter
import PrometheusExport
import Synchronization
import Tracing

/// Where telemetry goes, resolved from flags and the environment.
public struct TelemetryOptions: Sendable {
    /// The collector, when OTLP/HTTP export is on: each exported signal's destination.
    public var otlp: OTLPHTTPConfiguration?
    /// The OpenTelemetry settings in force (defaults with OTEL_* over them): batch limits, sampler,
    /// propagators.
    public var settings = OTLPConfiguration()
    /// `--jsonl-out FILE`: spans to FILE, logs to FILE with `-logs` before its extension, metrics with `-metrics`.
    public var jsonlOut: String?
    /// The spool directory, where batches that cannot be delivered now wait until a collector takes them;
    /// ``defaultSpoolDirectory`` when exporting or storing logs in SQL and none is named.
    public var spoolDirectory: String?
    /// The most megabytes each signal's spool may take; ``Spool/defaultMaxBytes`` when nil (`ECL_OTLP_SPOOL_MAX_MB`).
    public var spoolMaxMegabytes: Int?
    /// Write every batch to the spool before sending it (`ECL_OTLP_DURABLE=true`): a killed process loses
    /// no batch it had formed. Off by default (it costs a disk write a batch).
    public var durable = false
    /// `--prometheus-pushgateway`: where the metrics are pushed, and under which group.
    public var pushgateway: PrometheusPublisher.Pushgateway?
    /// `--metrics-out`: the file the metrics are written to in the Prometheus text format.
    public var metricsTextFile: String?
    /// What named the spool directory, for error messages (`--spool`, `ECL_OTLP_SPOOL`).
    public var spoolSource = "--spool"
    /// Print each span as it ends (the dev preset).
    public var consoleSpans: Bool
    /// Print those span lines on standard error instead of with the log lines: when standard output must
    /// carry JSON lines only and the span lines are text.
    public var consoleSpansToStandardError = false
    /// What named the SQL exporter's URL, for error messages (`--log-sql`, `ECL_LOG_SQL_URL`, the TOML key).
    public var sqlURLSource = "logging.sql_exporter.database_url"
    /// The SQL exporter's URL came from a preset, not the user: a database that cannot be opened is then a
    /// warning (log events go to the spool) instead of an error.
    public var sqlURLFromPreset = false

    /// The spool directory used when none is named.
    public static let defaultSpoolDirectory = "ecl-otlp-spool"

    /// Creates options.
    public init(
        otlp: OTLPHTTPConfiguration? = nil, jsonlOut: String? = nil, spoolDirectory: String? = nil, spoolMaxMegabytes: Int? = nil,
        consoleSpans: Bool = false
    ) {
        self.otlp = otlp
        self.jsonlOut = jsonlOut
        self.spoolDirectory = spoolDirectory
        self.spoolMaxMegabytes = spoolMaxMegabytes
        self.consoleSpans = consoleSpans
    }

    /// Whether anything is exported (to a collector or a dump).
    public var exports: Bool { otlp != nil || jsonlOut != nil }

    /// The logs dump beside a spans dump: `spans.jsonl` → `spans-logs.jsonl`. A dump that is a device
    /// (`/dev/null`, `/dev/stdout`) takes the logs too: no file is made beside a device.
    public static func logsPath(for path: String) -> String { companion(of: path, suffix: "-logs") }

    /// The metrics dump beside a spans dump: `spans.jsonl` → `spans-metrics.jsonl` (a device takes them too).
    public static func metricsPath(for path: String) -> String { companion(of: path, suffix: "-metrics") }

    private static func companion(of path: String, suffix: String) -> String {
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG, info.st_mode & S_IFMT != S_IFDIR { return path }
        let url = URL(fileURLWithPath: path)
        let ext = url.pathExtension
        let stem = ext.isEmpty ? path : String(path.dropLast(ext.count + 1))
        return ext.isEmpty ? stem + suffix : stem + suffix + "." + ext
    }
}

/// One set-up for logs, traces and metrics from a ``LogConfig`` and ``TelemetryOptions``: the console logging
/// backend, the engine's metrics aggregated in memory, and, when exporting, the OTLP tracer (with ECL's
/// derived ids), log export and metric export, batched off the hot path.
public final class Telemetry: Sendable {
    /// The engine's metrics (``EngineMetrics``), aggregated in memory: swift-metrics' backend for the process,
    /// read at each export and by whoever wants the run's totals.
    public let metrics: OTLPMetricsFactory
    /// The metrics' periodic reader, when they are exported.
    @_spi(Pipeline) public let metricReader: PeriodicMetricReader?
    /// The Prometheus pushes and textfile writes, when asked for.
    public let prometheus: PrometheusPublisher?
    /// The Prometheus scrape endpoint (`OTEL_METRICS_EXPORTER=prometheus`), while the run lasts.
    public let scrapeEndpoint: PrometheusScrapeEndpoint?
    /// The span pipeline, when exporting.
    @_spi(Pipeline) public let spans: BatchProcessor<SpanData>?
    /// The log pipeline, when exporting.
    @_spi(Pipeline) public let logs: BatchProcessor<LogLine>?
    /// The SQL log exporter, when configured.
    public let sqlWriter: SQLLogWriter?
    private let spools: [Spool]
    /// Log sampling's gate, when sampling.
    private let gate: SampledTraceGate?

    /// Sampled-out workflows kept whole because they failed (0 without log sampling).
    public var keptFailedWorkflows: Int { gate?.keptTraces ?? 0 }
    private let report: @Sendable (String) -> Void

    private init(
        spans: BatchProcessor<SpanData>?, logs: BatchProcessor<LogLine>?, metrics: OTLPMetricsFactory, metricReader: PeriodicMetricReader?,
        prometheus: PrometheusPublisher?, scrapeEndpoint: PrometheusScrapeEndpoint?, spools: [Spool], sqlWriter: SQLLogWriter?,
        gate: SampledTraceGate? = nil, report: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.metrics = metrics
        self.prometheus = prometheus
        self.scrapeEndpoint = scrapeEndpoint
        self.metricReader = metricReader
        self.gate = gate
        self.report = report
        self.spans = spans
        self.logs = logs
        self.spools = spools
        self.sqlWriter = sqlWriter
    }

    /// Installs logging and tracing for the process. Every bad value is a one-line error (exit 2 in the
    /// command): an unwritable log file, dump or spool, a malformed OTEL_BSP_* value.
    /// `report` receives the exporters' warnings (undelivered batches, where they went).
    public static func bootstrap(
        logConfig: LogConfig, options: TelemetryOptions, environment: [String: String],
        report: @escaping @Sendable (String) -> Void
    ) throws -> Telemetry {
        var settings = options.settings
        settings.serviceName = settings.serviceName ?? "ecl-workflows"
        settings.serviceVersion = settings.serviceVersion ?? OTLPResource.sdkVersion
        let encoder = OTLPJSONEncoder(resource: OTLPResource(configuration: settings, scopeName: "ecl"), logLimits: settings.logLimits)
        // The log database's rows wait in the spool whole: the export's attribute limits are not theirs.
        let rowEncoder = OTLPJSONEncoder(resource: encoder.resource)
        let spoolDirectory = options.otlp != nil || options.spoolDirectory != nil || logConfig.sqlExporter != nil
            ? options.spoolDirectory ?? TelemetryOptions.defaultSpoolDirectory : nil
        var spools: [OTLPSignal: Spool] = [:]
        let maxBytes = options.spoolMaxMegabytes.map { $0 << 20 } ?? Spool.defaultMaxBytes
        if let spoolDirectory {
            let named = options.spoolDirectory != nil
            do {
                for signal in [OTLPSignal.traces, .logs] + (options.otlp?.metrics != nil ? [.metrics] : []) {
                    // Each collector has its own streams: a run drains only what was meant for where it sends.
                    let prefix = options.otlp?.spoolPrefix(for: signal)
                    spools[signal] = try Spool(
                        directory: spoolDirectory, signal: signal, prefix: prefix, maxBytes: maxBytes,
                        option: named ? options.spoolSource : "the default spool")
                }
            } catch {
                // A spool the user named must work; the default one (in the working directory, which may be
                // read-only) is a warning: the run goes on, and what cannot be sent is counted and reported.
                guard !named else { throw error }
                report("\(error.message); running without one (name one with --spool DIR)")
                spools = [:]
            }
        }
        var sqlWriter: SQLLogWriter?
        var sqlSpool: Spool?
        if let sql = logConfig.sqlExporter {
            // Events the database cannot take wait in the spool under their own prefix, for the database,
            // never for the collector (which has them already through the OTLP log handler when exporting).
            if let directory = spools[.logs]?.directory {
                sqlSpool = try Spool(
                    directory: directory, signal: .logs, prefix: Spool.prefix(SQLLogWriter.spoolPrefix, destination: sql.databaseURL),
                    maxBytes: maxBytes, option: options.spoolSource)
            }
            sqlWriter = SQLLogWriter(
                store: try openLogStore(sql, options: options, environment: environment, report: report), bufferSize: sql.bufferSize,
                synchronous: !sql.async, spool: sqlSpool, encode: { StoredLogLineOTLP.encode($0, encoder: rowEncoder) }, report: report)
        }
        let allSpools = [spools[.traces], spools[.logs], spools[.metrics], sqlSpool].compactMap { $0 }
        if let spoolDirectory { reportOtherDestinations(in: spoolDirectory, mine: allSpools.map(\.prefix), report: report) }
        let publishes = options.pushgateway != nil || options.metricsTextFile != nil
        let scraped = settings.metrics.exporters.contains(.prometheus)
        let (metrics, bridge) = installMetrics(settings, prometheus: publishes || scraped, report: report)
        let prometheus = bridge.flatMap { bridge in
            publishes ? PrometheusPublisher(
                pushgateway: options.pushgateway, textFile: options.metricsTextFile, intervalSeconds: settings.metricExportIntervalSeconds,
                timeoutSeconds: min(settings.metricExportTimeoutSeconds, 10), render: { bridge.render() }, report: report) : nil
        }
        // OTEL_METRICS_EXPORTER=prometheus: Prometheus scrapes the run while it lasts (a port in use is said).
        // Started last, as the set-up returns: one that fails before never leaves a port taken.
        func serve() -> PrometheusScrapeEndpoint? {
            guard scraped, let bridge else { return nil }
            do {
                return try PrometheusScrapeEndpoint(host: settings.prometheusHost, port: settings.prometheusPort, render: { bridge.render() })
            } catch {
                report("Prometheus: \(error.description) (OTEL_EXPORTER_PROMETHEUS_HOST, OTEL_EXPORTER_PROMETHEUS_PORT); the run's metrics are not served")
                return nil
            }
        }
        // OTEL_METRICS_EXPORTER=console: each read's points on standard error (standard output is the results').
        let printMetric: @Sendable (String) -> Void = { line in
            let bytes = Array((line + "\n").utf8)
            TerminalStatusLine.around { _ = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) } }
        }
        let metricsConsole = settings.metrics.exporters.contains(.console) ? printMetric : nil
        func reader(_ processor: BatchProcessor<MetricPoint>?) -> PeriodicMetricReader? {
            guard processor != nil || metricsConsole != nil else { return nil }
            return PeriodicMetricReader(
                factory: metrics, intervalSeconds: settings.metricExportIntervalSeconds, timeoutSeconds: settings.metricExportTimeoutSeconds,
                delta: settings.metricTemporality != .cumulative, processor: processor, console: metricsConsole)
        }
        // Log sampling needs the tracer even with nothing exported: its decisions are the spans' flags.
        guard options.exports || options.consoleSpans || sqlWriter != nil || logConfig.sampling != nil else {
            try ECLLoggingSystem.bootstrap(logConfig, metadataProvider: Correlation.metadataProvider)
            return Telemetry(
                spans: nil, logs: nil, metrics: metrics, metricReader: reader(nil), prometheus: prometheus, scrapeEndpoint: serve(),
                spools: allSpools, sqlWriter: nil)
        }
        var spanProcessor: BatchProcessor<SpanData>?
        var logProcessor: BatchProcessor<LogLine>?
        var metricReader: PeriodicMetricReader?
        if options.exports {
            // The collector is the destination when there is one, the dump a copy beside it; else the dump.
            var destinations: [OTLPSignal: any BatchExporter] = [:]
            var copies: [OTLPSignal: [any BatchExporter]] = [:]
            var availabilities: [OTLPSignal: CollectorAvailability] = [:]
            if let otlp = options.otlp {
                let agent = "ecl-workflows/\(OTLPResource.sdkVersion) (swift; libcurl)"
                availabilities = otlp.availabilities(report: { report("OTLP: \($0)") })
                for signal in otlp.signals {
                    destinations[signal] = OTLPHTTPExporter(signal: signal, configuration: otlp, userAgent: agent, report: report)
                }
            }
            if let dump = options.jsonlOut {
                let files: [(OTLPSignal, String)] = [
                    (.traces, dump), (.logs, TelemetryOptions.logsPath(for: dump)), (.metrics, TelemetryOptions.metricsPath(for: dump)),
                ]
                for (signal, path) in files {
                    let exporter = JSONLFileExporter(file: try JSONLFile(path: path, option: "--jsonl-out"))
                    if destinations[signal] == nil { destinations[signal] = exporter } else { copies[signal, default: []].append(exporter) }
                }
            }
            if let exporter = destinations[.traces] {
                spanProcessor = BatchProcessor(
                    signal: .traces, configuration: options.settings.traces.batch,
                    encode: { encoder.encode(spans: $0) }, exporter: exporter, copies: copies[.traces] ?? [], spool: spools[.traces],
                    durable: options.durable, availability: availabilities[.traces],
                    metrics: DeliveryMetrics(signal: .traces, factory: MetricsSystem.factory), report: report)
            }
            if let exporter = destinations[.logs] {
                logProcessor = BatchProcessor(
                    signal: .logs, configuration: options.settings.logs.batch,
                    encode: { encoder.encode(logs: $0) }, exporter: exporter, copies: copies[.logs] ?? [], spool: spools[.logs],
                    durable: options.durable, availability: availabilities[.logs],
                    metrics: DeliveryMetrics(signal: .logs, factory: MetricsSystem.factory), report: report)
            }
            metricReader = reader(destinations[.metrics].map { exporter in
                BatchProcessor<MetricPoint>(
                    signal: .metrics, configuration: settings.metrics.batch,
                    encode: { encoder.encode(metrics: $0) }, exporter: exporter, copies: copies[.metrics] ?? [], spool: spools[.metrics],
                    durable: options.durable, availability: availabilities[.metrics],
                    metrics: DeliveryMetrics(signal: .metrics, factory: MetricsSystem.factory), report: report)
            })
        } else {
            metricReader = reader(nil)
        }

        var processors: [any SpanProcessor] = []
        if let spanProcessor { processors.append(spanProcessor) }
        if options.consoleSpans {
            let keys = [SpanAttributeName.stepAttempt, SpanAttributeName.genAIRequestModel, SpanAttributeName.genAIInputTokens,
                        SpanAttributeName.genAIOutputTokens, SpanAttributeName.dbCollectionName]
            if options.consoleSpansToStandardError {
                processors.append(ConsoleSpanPrinter(
                    colors: logConfig.useColors && isatty(STDERR_FILENO) == 1, keys: keys,
                    write: { line in
                        let bytes = Array((line + "\n").utf8)
                        TerminalStatusLine.around { _ = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) } }
                    }))
            } else {
                processors.append(ConsoleSpanPrinter(
                    colors: logConfig.useColors && ECLLoggingSystem.outputIsTerminal, keys: keys,
                    write: { ECLLoggingSystem.write(line: $0) }))
            }
        }
        // Log sampling keyed on the workflow: the trace sampler keeps a share of workflow ids, and the gate
        // keeps the lines (and, with keep_failed, holds the spans) of those it drops.
        var sampler = options.settings.sampler
        var gate: SampledTraceGate?
        if let sampling = logConfig.sampling {
            if let asked = environment["OTEL_TRACES_SAMPLER"], !asked.trimmingCharacters(in: .whitespaces).isEmpty {
                report("OTLP: OTEL_TRACES_SAMPLER is not used: log sampling (--sample, ECL_SAMPLE, [logging.sampling]) decides which workflows are kept")
            }
            sampler = .parentBased(root: .traceIDRatio(sampling.ratio))
            gate = SampledTraceGate(keepFailed: sampling.keepFailed, downstream: MultiSpanProcessor(processors))
        }
        // One capture per line, handed to the console, the collector's pipeline and the SQL writer alike.
        var outputs: [any LogLineOutput] = []
        if let logProcessor { outputs.append(OTLPLogOutput(processor: logProcessor, followsSampling: options.settings.logsFollowSampling)) }
        if let sqlWriter { outputs.append(sqlWriter) }
        try ECLLoggingSystem.bootstrap(
            logConfig, metadataProvider: Correlation.metadataProvider, extraOutputs: outputs,
            traceContext: outputs.isEmpty && gate == nil ? nil : OTLPLogOutput.currentTraceContext, gate: gate)
        InstrumentationSystem.bootstrap(OTLPTracer(
            processor: gate ?? MultiSpanProcessor(processors), idPolicy: DerivedSpanIDs(), sampler: sampler,
            propagators: options.settings.propagators, limits: options.settings.spanLimits, recordsUnsampled: gate?.keepFailed ?? false))
        return Telemetry(
            spans: spanProcessor, logs: logProcessor, metrics: metrics, metricReader: metricReader, prometheus: prometheus, scrapeEndpoint: serve(), spools: allSpools,
            sqlWriter: sqlWriter, gate: gate, report: report)
    }

    /// The process's metrics backend, made and installed once (swift-metrics takes one bootstrap a process):
    /// the engine's metrics with their units, descriptions and advised bounds, aggregated for OTLP and, with
    /// `prometheus`, recorded into a Prometheus registry too.
    private static func installMetrics(
        _ settings: OTLPConfiguration, prometheus: Bool, report: @escaping @Sendable (String) -> Void
    ) -> (OTLPMetricsFactory, PrometheusBridge?) {
        installedMetrics.withLock { installed in
            if let installed { return installed }
            var aggregation = settings.metricsAggregation
            for (name, description) in EngineMetrics.descriptions where aggregation.descriptions[name] == nil {
                aggregation.descriptions[name] = MetricDescription(unit: description.unit, description: description.description, bounds: description.bounds)
            }
            for (name, description) in DeliveryMetrics.descriptions where aggregation.descriptions[name] == nil {
                aggregation.descriptions[name] = description
            }
            let factory = OTLPMetricsFactory(aggregation: aggregation, report: report)
            var bridge: PrometheusBridge?
            if prometheus {
                bridge = PrometheusBridge(descriptions: aggregation.descriptions, report: report)
            }
            MetricsSystem.bootstrap(bridge.map { MultiplexMetricsHandler(factories: [factory, $0]) } ?? factory)
            installed = (factory, bridge)
            return (factory, bridge)
        }
    }

    private static let installedMetrics = Mutex<(OTLPMetricsFactory, PrometheusBridge?)?>(nil)

    /// Says once when the spool holds batches meant for another destination (a different collector or
    /// database): this run leaves them, and `replay` sends them where the user says.
    static func reportOtherDestinations(in directory: String, mine: [String], report: (String) -> Void) {
        let others = ["traces", "logs", "metrics", SQLLogWriter.spoolPrefix].flatMap { Spool.prefixes(in: directory, base: $0) }.filter { !mine.contains($0) }
        guard !others.isEmpty else { return }
        let usage = Spool.usage(in: directory, prefixes: others)
        report("the spool \(directory) holds \(usage.segments) segment\(usage.segments == 1 ? "" : "s") (\(Spool.sizeText(bytes: usage.bytes))) meant for another collector or database; this run leaves them (ecl-workflows replay \(directory) --otlp-endpoint URL, or --log-sql URL, sends them)")
    }

    /// Opens the SQL log exporter's database. A failure is an error when the user named the database
    /// (flag, environment, file); when a preset did, it is a warning, and log events go to the spool.
    static func openLogStore(
        _ sql: SQLExporterConfig, options: TelemetryOptions, environment: [String: String], report: @Sendable (String) -> Void
    ) throws(ECLError) -> any LogEventStore {
        let destination = try SQLLogDestination.parse(sql.databaseURL, source: options.sqlURLSource, environment: environment)
        do {
            return try destination.open()
        } catch {
            guard options.sqlURLFromPreset else { throw .config("\(options.sqlURLSource): \(error.plainMessage)") }
            report("\(options.sqlURLSource): \(error.plainMessage); log events go to the spool")
            return UnavailableLogStore(location: destination.location, reason: error.plainMessage)
        }
    }

    /// Delivers everything pending, and what the spool holds, within the export timeout (both pipelines at
    /// once); what the collector cannot take by then stays in the spool. Then flushes the console. Later
    /// calls do nothing more.
    /// `timeoutSeconds` shortens the wait (an interrupted run gives the collector a second, then spools).
    public func shutdown(timeoutSeconds: Double? = nil) {
        let group = DispatchGroup()
        if let spans {
            DispatchQueue.global().async(group: group) { spans.shutdown(timeoutSeconds: timeoutSeconds ?? spans.configuration.exportTimeoutSeconds) }
        }
        if let logs {
            DispatchQueue.global().async(group: group) { logs.shutdown(timeoutSeconds: timeoutSeconds ?? logs.configuration.exportTimeoutSeconds) }
        }
        if let sqlWriter { DispatchQueue.global().async(group: group) { sqlWriter.shutdown(timeoutSeconds: timeoutSeconds ?? 10) } }
        if let metricReader {
            DispatchQueue.global().async(group: group) { metricReader.shutdown(timeoutSeconds: timeoutSeconds ?? metricReader.timeoutSeconds) }
        }
        if let prometheus { DispatchQueue.global().async(group: group) { prometheus.finish(timeoutSeconds: min(timeoutSeconds ?? .infinity, prometheus.timeoutSeconds)) } }
        group.wait()
        scrapeEndpoint?.stop()
        if let lost = gate?.lost, lost > 0 {
            report("log sampling: \(lost) spans and lines of failed workflows were past the 100,000 held at once and are not written")
        }
        closeSpool()
        ECLLoggingSystem.flush()
    }

    /// Writes everything pending to the spool without touching the network (for a process that must exit
    /// now), then flushes the console.
    public func spoolNow() {
        spans?.spoolNow()
        logs?.spoolNow()
        metricReader?.spoolNow()
        prometheus?.finish(timeoutSeconds: 1, pushing: false)
        scrapeEndpoint?.stop()
        sqlWriter?.spoolNow()
        closeSpool()
        ECLLoggingSystem.flush()
    }

    /// Spans, log records and log lines written nowhere: lost by the exporters, missing from a dump, the
    /// log database or the log output because they could not be written. A command ends non-zero when
    /// there are any.
    public var notWritten: Int {
        let spanCounts = spans.map { $0.counters.lost + $0.counters.copyFailures } ?? 0
        let logCounts = logs.map { $0.counters.lost + $0.counters.copyFailures } ?? 0
        let metricCounts = metricReader?.processor.map { $0.counters.lost + $0.counters.copyFailures } ?? 0
        let prometheusCounts = prometheus?.finalFiguresNowhere == true ? 1 : 0
        return spanCounts + logCounts + metricCounts + prometheusCounts + (sqlWriter?.lostCount ?? 0) + ECLLoggingSystem.lost.lines
            + (gate?.lost ?? 0)
    }

    /// What waits in this run's own spool streams (its collector's and its log database's), and where: not
    /// what other destinations left in the same directory. Nil when the run has no spool.
    public var spoolBacklog: (directory: String, segments: Int, bytes: Int)? {
        guard let directory = spools.first?.directory else { return nil }
        let usage = Spool.usage(in: directory, prefixes: spools.map(\.prefix))
        return (directory, usage.segments, usage.bytes)
    }

    private func closeSpool() {
        for spool in spools {
            spool.sync()
            spool.removeIfEmpty()
        }
    }
}
