import CoreMetrics
import Foundation
// The front door brings the two APIs a service writes against: swift-log's `Logger` and
// swift-distributed-tracing's `withSpan`, so `import OTLPExporter` is the one import set-up needs.
@_exported import Logging
@_exported import Tracing

/// The front door: one call that exports a process's spans, logs and metrics over OTLP/HTTP with JSON.
///
/// ```swift
/// import OTLPExporter
/// let otel = OTLP.bootstrap(configuration: .init(serviceName: "checkout"))
/// // … code instrumented with swift-distributed-tracing and swift-log (both come with the import) …
/// otel.shutdown()   // blocking; `await otel.shutdown()` from an async function
/// ```
public enum OTLP {
    /// Builds an ``OTLPObservability`` from `configuration` with `environment` over it, and installs it for
    /// the process: its tracer as swift-distributed-tracing's, its log handler as swift-log's, and, when
    /// metrics are exported and no swift-metrics backend is installed yet, its ``OTLPMetricsFactory`` as
    /// swift-metrics' (a process with a backend of its own keeps it, with a warning: combine the two with
    /// swift-metrics' `MultiplexMetricsHandler`, or set `metrics.exporters = []`). Call it once,
    /// first thing (each system takes one bootstrap a process), and its `shutdown(timeoutSeconds:)` before
    /// exit. Never throws, and no configuration or environment stops the process: problems are
    /// warnings on `logger` (standard error by default; pass one made before this call, or its lines would
    /// be exported too). A second bootstrap in one process traps, as swift-log's and swift-distributed-tracing's do.
    @discardableResult
    public static func bootstrap(
        configuration: OTLPConfiguration = OTLPConfiguration(), environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger? = nil
    ) -> OTLPObservability {
        let observability = OTLPObservability(configuration: configuration, environment: environment, logger: logger)
        LoggingSystem.bootstrap { label in observability.logHandler(label: label) }
        InstrumentationSystem.bootstrap(observability.tracer)
        if let metrics = observability.metricsFactory {
            if MetricsSystem.factory is NOOPMetricsHandler {
                MetricsSystem.bootstrap(metrics)
            } else {
                (logger ?? OTLPObservability.diagnosticsLogger(level: observability.configuration.diagnosticsLevel)).warning(
                    "metrics: swift-metrics already has a backend; it is kept, and OTLPObservability.metricsFactory is not installed (combine them with MultiplexMetricsHandler, or set metrics.exporters = [] / OTEL_METRICS_EXPORTER=none)")
            }
        }
        return observability
    }
}
