import CoreMetrics
import Dispatch
import Foundation
import JSONWriting
import Logging
import Synchronization
import LogLineCore
import Tracing

/// Spans, log lines and metrics exported per one ``OTLPConfiguration``: a tracer, log handlers, a
/// swift-metrics backend, their pipelines, and the flush and shutdown of all of them. ``OTLP/bootstrap(configuration:environment:logger:)``
/// makes one and installs it for the process; make one directly to install it yourself (or not at all, in
/// tests).
public final class OTLPObservability: Sendable {
    /// The configuration in force: the code's, with the environment over it.
    public let configuration: OTLPConfiguration
    /// The tracer (spans the sampler keeps go to the configured exporters).
    public let tracer: OTLPTracer
    private let spans: BatchProcessor<SpanData>?
    private let logs: BatchProcessor<LogLine>?
    private let logOutputs: [any LogLineOutput]
    private let gate: SampledTraceGate?
    private let metricReader: PeriodicMetricReader?
    /// The swift-metrics backend (for `MetricsSystem.bootstrap`) whose streams are read every
    /// ``OTLPConfiguration/metricExportIntervalSeconds`` and at shutdown; nil when metrics are not exported.
    public var metricsFactory: OTLPMetricsFactory? { metricReader?.factory }

    /// Builds the pipelines. `environment` overrides `configuration` (see ``OTLPConfiguration``); every
    /// problem (a variable that cannot be used, a spool directory that cannot be made) is a warning on
    /// `logger`, and the rest goes on: this never stops the process. `logger` defaults to standard error at
    /// the configuration's ``OTLPConfiguration/diagnosticsLevel``.
    public init(
        configuration: OTLPConfiguration = OTLPConfiguration(), environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger? = nil
    ) {
        // Warnings found before the diagnostics logger exists (its level is itself a setting), said once it does.
        var warnings: [String] = []
        let resolved = configuration.applyingEnvironment(environment, warn: { warnings.append($0) })
        let logger = logger ?? Self.diagnosticsLogger(level: resolved.diagnosticsLevel)
        // Escaped: a URL or a collector's answer cannot recolour the terminal or fake a line.
        let report: @Sendable (String) -> Void = { logger.warning("\(VisibleText.escape($0))") }
        warnings.forEach(report)
        if resolved.metrics.exporters.contains(.prometheus) {
            report("metrics: 'prometheus' asks for a scrape endpoint, which this plugin does not serve (it exports OTLP); add swift-prometheus's PrometheusMetricsFactory to your service (with MultiplexMetricsHandler beside this plugin's factory) and serve its text on \(resolved.prometheusHost):\(resolved.prometheusPort)")
        }
        self.configuration = resolved

        guard !resolved.isDisabled else {
            spans = nil
            logs = nil
            logOutputs = []
            gate = nil
            metricReader = nil
            // Disabled: nothing recorded, but contexts still cross this process (the specification: the
            // setting "has no effect on propagators").
            tracer = OTLPTracer(processor: MultiSpanProcessor([]), propagators: resolved.propagators, isRecording: false)
            return
        }
        let encoder = OTLPJSONEncoder(resource: OTLPResource(configuration: resolved), logLimits: resolved.logLimits)
        let destinations = Self.checked(resolved.destinations, report: report)
        if let warning = OTLPHTTPConfiguration.protocolWarning(environment: environment, signals: destinations.signals) { report(warning) }
        let availabilities = destinations.availabilities(report: report)
        let agent = "ecl-otlp/\(OTLPResource.sdkVersion) (swift; libcurl)"
        func spool(_ signal: OTLPSignal) -> Spool? {
            guard let directory = resolved.spoolDirectory else { return nil }
            do {
                return try Spool(
                    directory: directory, signal: signal,
                    prefix: destinations.spoolPrefix(for: signal), option: "spoolDirectory")
            } catch {
                report("\(error.message); running without a spool")
                return nil
            }
        }
        // Made first when metrics are exported: the pipelines may count their own health in it.
        let printsMetrics = resolved.metrics.exporters.contains(.console)
        let metricsFactory = destinations.metrics != nil || printsMetrics
            ? OTLPMetricsFactory(aggregation: resolved.metricsAggregation, report: report) : nil
        let health = resolved.metricsIncludePipelineHealth ? metricsFactory : nil
        spans = destinations.traces.map { destination in
            BatchProcessor(
                signal: .traces, configuration: resolved.traces.batch, encode: { encoder.encode(spans: $0) },
                exporter: OTLPHTTPExporter(destination: destination, userAgent: agent, report: report), spool: spool(.traces),
                availability: availabilities[.traces], metrics: health.map { DeliveryMetrics(signal: .traces, factory: $0) },
                report: report)
        }
        logs = destinations.logs.map { destination in
            BatchProcessor(
                signal: .logs, configuration: resolved.logs.batch, encode: { encoder.encode(logs: $0) },
                exporter: OTLPHTTPExporter(destination: destination, userAgent: agent, report: report), spool: spool(.logs),
                availability: availabilities[.logs], metrics: health.map { DeliveryMetrics(signal: .logs, factory: $0) },
                report: report)
        }
        let metricsProcessor = destinations.metrics.map { destination in
            BatchProcessor<MetricPoint>(
                signal: .metrics, configuration: resolved.metrics.batch, encode: { encoder.encode(metrics: $0) },
                exporter: OTLPHTTPExporter(destination: destination, userAgent: agent, report: report), spool: spool(.metrics),
                availability: availabilities[.metrics], metrics: health.map { DeliveryMetrics(signal: .metrics, factory: $0) },
                report: report)
        }
        if let metricsFactory {
            let printLine: @Sendable (String) -> Void = { line in print(line) }
            metricReader = PeriodicMetricReader(
                factory: metricsFactory,
                intervalSeconds: resolved.metricExportIntervalSeconds,
                timeoutSeconds: resolved.metricExportTimeoutSeconds, delta: resolved.metricTemporality != .cumulative,
                processor: metricsProcessor, console: printsMetrics ? printLine : nil)
        } else {
            metricReader = nil
        }
        var processors: [any SpanProcessor] = spans.map { [$0] } ?? []
        if resolved.traces.exporters.contains(.console) {
            processors.append(ConsoleSpanPrinter(colors: false, keys: [], write: { line in print(line) }))
        }
        var outputs: [any LogLineOutput] = logs.map { [OTLPLogOutput(processor: $0, followsSampling: resolved.logsFollowSampling)] } ?? []
        if resolved.logs.exporters.contains(.console) { outputs.append(ConsoleLogOutput()) }
        logOutputs = outputs
        let exporting: any SpanProcessor = processors.count == 1 ? processors[0] : MultiSpanProcessor(processors)
        gate = resolved.keepFailedTraces ? SampledTraceGate(keepFailed: true, downstream: exporting) : nil
        tracer = OTLPTracer(
            processor: gate ?? exporting, sampler: resolved.sampler, propagators: resolved.propagators, limits: resolved.spanLimits,
            recordsUnsampled: gate != nil)
    }

    /// A swift-log handler whose lines (at ``OTLPConfiguration/logLevel`` and above) go to the configured log
    /// exporters, with the span they were logged in. For `LoggingSystem.bootstrap`. When logs are not
    /// exported (no log exporter, or disabled), swift-log's own default, standard output: the service's lines
    /// never vanish because export is off.
    public func logHandler(label: String, metadataProvider: Logger.MetadataProvider? = nil) -> any LogHandler {
        guard !logOutputs.isEmpty else { return StreamLogHandler.standardOutput(label: label, metadataProvider: metadataProvider) }
        return LogLineHandler(
            label: label, level: configuration.logLevel, outputs: logOutputs, metadataProvider: metadataProvider,
            traceContext: OTLPLogOutput.currentTraceContext, gate: configuration.logsFollowSampling ? gate : nil)
    }

    /// What has become of the spans so far: delivered, spooled, lost. Nil when spans are not exported over OTLP
    /// (console or no exporter, or disabled).
    public var spanCounters: DeliveryCounters? { spans?.counters }
    /// What has become of the log records so far. Nil when logs are not exported over OTLP.
    public var logCounters: DeliveryCounters? { logs?.counters }
    /// What has become of the metric data points so far. Nil when metrics are not exported over OTLP.
    public var metricCounters: DeliveryCounters? { metricReader?.counters }

    /// Exports everything pending now (and reads the metrics), every signal at once, waiting at most
    /// `timeoutSeconds`; true when all of it was delivered (or spooled) in time.
    @discardableResult
    public func forceFlush(timeoutSeconds: Double = 30) -> Bool {
        all { $0.forceFlush(timeoutSeconds: timeoutSeconds) } logs: { $0.forceFlush(timeoutSeconds: timeoutSeconds) } metrics: {
            $0.forceFlush(timeoutSeconds: timeoutSeconds)
        }
    }

    /// `forceFlush(timeoutSeconds:)` without blocking the caller's task.
    @discardableResult
    public func forceFlush(timeoutSeconds: Double = 30) async -> Bool {
        await offThread { self.forceFlush(timeoutSeconds: timeoutSeconds) }
    }

    /// Reads the metrics a last time, delivers everything pending within `timeoutSeconds` (what the collector
    /// cannot take by then goes to the spool, when there is one) and stops the pipelines. Spans and lines after it are not exported (they
    /// are counted lost). Later calls do nothing more. True when it finished in time and nothing was lost or
    /// refused (spooled items are kept, not lost). A process that exits without it, or `forceFlush`, sends
    /// nothing still waiting for its batch.
    @discardableResult
    public func shutdown(timeoutSeconds: Double = 30) -> Bool {
        let inTime = all { $0.shutdown(timeoutSeconds: timeoutSeconds) } logs: { $0.shutdown(timeoutSeconds: timeoutSeconds) } metrics: {
            $0.shutdown(timeoutSeconds: timeoutSeconds)
        }
        let counts = [spanCounters, logCounters, metricCounters].compactMap { $0 }
        return inTime && counts.allSatisfy { $0.lost == 0 && $0.rejected == 0 }
    }

    /// `shutdown(timeoutSeconds:)` without blocking the caller's task.
    @discardableResult
    public func shutdown(timeoutSeconds: Double = 30) async -> Bool {
        await offThread { self.shutdown(timeoutSeconds: timeoutSeconds) }
    }

    /// Runs the span, log and metric operations at once and waits for all; true when all succeeded.
    private func all(
        spans spanWork: @Sendable (BatchProcessor<SpanData>) -> Bool, logs logWork: @Sendable (BatchProcessor<LogLine>) -> Bool,
        metrics metricWork: @Sendable (PeriodicMetricReader) -> Bool
    ) -> Bool {
        let failed = Atomic<Bool>(false)
        DispatchQueue.concurrentPerform(iterations: 3) { index in
            let succeeded = switch index {
            case 0: spans.map(spanWork) ?? true
            case 1: logs.map(logWork) ?? true
            default: metricReader.map(metricWork) ?? true
            }
            if !succeeded { failed.store(true, ordering: .relaxed) }
        }
        return !failed.load(ordering: .relaxed)
    }

    private func offThread(_ work: @escaping @Sendable () -> Bool) async -> Bool {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }

    /// Destinations whose URL cannot be used (set in code) are dropped with a warning.
    static func checked(_ destinations: OTLPHTTPConfiguration, report: (String) -> Void) -> OTLPHTTPConfiguration {
        var result = destinations
        for signal in destinations.signals {
            guard let url = destinations.destination(for: signal)?.url else { continue }
            do {
                try OTLPHTTPConfiguration.validate(url, option: "the \(signal.rawValue) endpoint")
            } catch {
                report("\(error.message); \(signal.itemName) are not exported")
                result.setDestination(nil, for: signal)
            }
        }
        return result
    }

    /// The default diagnostics logger: standard error, made directly (never through the bootstrapped
    /// logging system, whose lines this exports), silent for a nil level.
    static func diagnosticsLogger(level: Logger.Level?) -> Logger {
        guard let level else { return Logger(label: "otlp", factory: { SwiftLogNoOpLogHandler($0) }) }
        var logger = Logger(label: "otlp", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = level
        return logger
    }
}
