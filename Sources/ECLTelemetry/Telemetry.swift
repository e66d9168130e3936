import ECLCore
import ECLLogSQL
import ECLLogging
import Foundation
import Logging
import OTLPExporter
import Tracing

/// Where telemetry goes, resolved from flags and the environment.
public struct TelemetryOptions: Sendable {
    /// The collector, when OTLP/HTTP export is on.
    public var otlp: OTLPHTTPConfiguration?
    /// `--jsonl-out FILE`: spans to FILE, logs to FILE with `-logs` before its extension.
    public var jsonlOut: String?
    /// Where undelivered batches go; defaults to ``defaultFallbackFile`` when exporting.
    public var fallbackFile: String?
    /// Print each span as it ends (the dev preset).
    public var consoleSpans: Bool
    /// What named the SQL exporter's URL, for error messages (`--log-sql`, `ECL_LOG_SQL_URL`, the TOML key).
    public var sqlURLSource = "logging.sql_exporter.database_url"
    /// The SQL exporter's URL came from a preset, not the user: a database that cannot be opened is then a
    /// warning (log events go to the fallback file) instead of an error.
    public var sqlURLFromPreset = false

    /// The fallback file used when OTLP export is on and none is named.
    public static let defaultFallbackFile = "ecl-otlp-fallback.jsonl"

    /// Creates options.
    public init(otlp: OTLPHTTPConfiguration? = nil, jsonlOut: String? = nil, fallbackFile: String? = nil, consoleSpans: Bool = false) {
        self.otlp = otlp
        self.jsonlOut = jsonlOut
        self.fallbackFile = fallbackFile
        self.consoleSpans = consoleSpans
    }

    /// Whether anything is exported (to a collector or a dump).
    public var exports: Bool { otlp != nil || jsonlOut != nil }

    /// The logs dump beside a spans dump: `spans.jsonl` → `spans-logs.jsonl`.
    public static func logsPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let ext = url.pathExtension
        let stem = ext.isEmpty ? path : String(path.dropLast(ext.count + 1))
        return ext.isEmpty ? stem + "-logs" : stem + "-logs." + ext
    }
}

/// One set-up for logs and traces from a ``LogConfig`` and ``TelemetryOptions``: the console logging backend,
/// and, when exporting, the OTLP tracer (with ECL's derived ids) and log export, batched off the hot path.
public final class Telemetry: Sendable {
    /// The span pipeline, when exporting.
    public let spans: BatchProcessor<SpanData>?
    /// The log pipeline, when exporting.
    public let logs: BatchProcessor<LogRecordData>?
    /// The fallback file, when exporting.
    public let fallback: JSONLFile?
    /// The SQL log exporter, when configured.
    public let sqlWriter: SQLLogWriter?

    private init(spans: BatchProcessor<SpanData>?, logs: BatchProcessor<LogRecordData>?, fallback: JSONLFile?, sqlWriter: SQLLogWriter?) {
        self.spans = spans
        self.logs = logs
        self.fallback = fallback
        self.sqlWriter = sqlWriter
    }

    /// Installs logging and tracing for the process. Every bad value is a one-line error (exit 2 in the
    /// command): an unwritable log, dump or fallback file, a malformed OTEL_BSP_* value.
    /// `report` receives the exporters' warnings (undelivered batches, where they went).
    public static func bootstrap(
        logConfig: LogConfig, options: TelemetryOptions, environment: [String: String],
        report: @escaping @Sendable (String) -> Void
    ) throws -> Telemetry {
        let resource = OTLPResource.fromEnvironment(
            environment, defaultServiceName: "ecl-workflows", serviceVersion: OTLPResource.sdkVersion, scopeName: "ecl", warn: report)
        let encoder = OTLPJSONEncoder(resource: resource)
        var fallback: JSONLFile?
        if options.otlp != nil || options.fallbackFile != nil || logConfig.sqlExporter != nil {
            fallback = try JSONLFile(path: options.fallbackFile ?? TelemetryOptions.defaultFallbackFile, option: "--fallback-file")
        }
        var sqlWriter: SQLLogWriter?
        if let sql = logConfig.sqlExporter {
            sqlWriter = SQLLogWriter(
                store: try openLogStore(sql, options: options, environment: environment, report: report), bufferSize: sql.bufferSize,
                synchronous: !sql.async, fallback: fallback, encode: { LogEventOTLP.encode($0, encoder: encoder) }, report: report)
        }
        guard options.exports || options.consoleSpans || sqlWriter != nil else {
            try ECLLoggingSystem.bootstrap(logConfig, metadataProvider: Correlation.metadataProvider)
            return Telemetry(spans: nil, logs: nil, fallback: fallback, sqlWriter: nil)
        }
        var spanProcessor: BatchProcessor<SpanData>?
        var logProcessor: BatchProcessor<LogRecordData>?
        if options.exports {
            var spanExporters: [any BatchExporter] = []
            var logExporters: [any BatchExporter] = []
            if let otlp = options.otlp {
                let agent = "ecl-workflows/\(OTLPResource.sdkVersion) (swift; libcurl)"
                if !otlp.tracesURL.isEmpty { spanExporters.append(OTLPHTTPExporter(signal: .traces, configuration: otlp, userAgent: agent, report: report)) }
                if !otlp.logsURL.isEmpty { logExporters.append(OTLPHTTPExporter(signal: .logs, configuration: otlp, userAgent: agent, report: report)) }
            }
            if let dump = options.jsonlOut {
                spanExporters.append(JSONLFileExporter(file: try JSONLFile(path: dump, option: "--jsonl-out")))
                logExporters.append(JSONLFileExporter(file: try JSONLFile(path: TelemetryOptions.logsPath(for: dump), option: "--jsonl-out")))
            }
            if !spanExporters.isEmpty {
                spanProcessor = BatchProcessor(
                    signal: .traces, configuration: try BatchConfiguration.spans(environment: environment),
                    encode: { encoder.encode(spans: $0) }, exporters: spanExporters, fallback: fallback, report: report)
            }
            if !logExporters.isEmpty {
                logProcessor = BatchProcessor(
                    signal: .logs, configuration: try BatchConfiguration.logs(environment: environment),
                    encode: { encoder.encode(logs: $0) }, exporters: logExporters, fallback: fallback, report: report)
            }
        }

        let provider = Correlation.metadataProvider
        if logProcessor != nil || sqlWriter != nil {
            let writer = sqlWriter
            let otlpLogs = logProcessor
            try ECLLoggingSystem.bootstrap(logConfig, metadataProvider: provider) { label, level in
                var handlers: [any LogHandler] = []
                if let logProcessor = otlpLogs { handlers.append(OTLPLogHandler(label: label, level: level, processor: logProcessor, metadataProvider: provider)) }
                if let writer { handlers.append(SQLLogHandler(label: label, level: level, writer: writer, metadataProvider: provider)) }
                return handlers.count == 1 ? handlers[0] : MultiplexLogHandler(handlers)
            }
        } else {
            try ECLLoggingSystem.bootstrap(logConfig, metadataProvider: provider)
        }
        var processors: [any SpanProcessor] = []
        if let spanProcessor { processors.append(spanProcessor) }
        if options.consoleSpans {
            let keys = [SpanAttribute.stepAttempt, SpanAttribute.genAIRequestModel, SpanAttribute.genAIInputTokens,
                        SpanAttribute.genAIOutputTokens, SpanAttribute.dbCollectionName]
            processors.append(ConsoleSpanPrinter(
                colors: logConfig.useColors && ECLLoggingSystem.outputIsTerminal, keys: keys,
                write: { ECLLoggingSystem.write(line: $0) }))
        }
        InstrumentationSystem.bootstrap(OTLPTracer(processor: MultiSpanProcessor(processors), idPolicy: DerivedSpanIDs()))
        return Telemetry(spans: spanProcessor, logs: logProcessor, fallback: fallback, sqlWriter: sqlWriter)
    }

    /// Opens the SQL log exporter's database. A failure is an error when the user named the database
    /// (flag, environment, file); when a preset did, it is a warning, and log events go to the fallback file.
    static func openLogStore(
        _ sql: SQLExporterConfig, options: TelemetryOptions, environment: [String: String], report: @Sendable (String) -> Void
    ) throws(ECLError) -> any LogEventStore {
        let destination = try SQLLogDestination.parse(sql.databaseURL, source: options.sqlURLSource, environment: environment)
        do {
            return try destination.open()
        } catch {
            guard options.sqlURLFromPreset else { throw .config("\(options.sqlURLSource): \(error.plainMessage)") }
            report("\(options.sqlURLSource): \(error.plainMessage); log events go to the fallback file")
            return UnavailableLogStore(location: destination.location, reason: error.plainMessage)
        }
    }

    /// Delivers or writes to the fallback file everything pending, within the export timeout (both pipelines
    /// drain at once), then flushes the console. Later calls do nothing more.
    public func shutdown() {
        let group = DispatchGroup()
        if let spans {
            DispatchQueue.global().async(group: group) { spans.shutdown(timeoutSeconds: spans.configuration.exportTimeoutSeconds) }
        }
        if let logs {
            DispatchQueue.global().async(group: group) { logs.shutdown(timeoutSeconds: logs.configuration.exportTimeoutSeconds) }
        }
        if let sqlWriter { DispatchQueue.global().async(group: group) { sqlWriter.shutdown() } }
        group.wait()
        fallback?.sync()
        fallback?.removeIfUnused()
        ECLLoggingSystem.flush()
    }
}
