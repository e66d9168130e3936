import CurlClient
import Logging

/// Everything ``OTLP/bootstrap(configuration:environment:logger:)`` sets up, with the OpenTelemetry defaults.
///
/// Set what your code should decide; the environment's `OTEL_*` variables override it at bootstrap, as the
/// OpenTelemetry SDK configuration says ("values set with environment variables override equivalent
/// configuration in code"), so whoever runs the service can point it elsewhere without a rebuild. Each
/// property names its variable. A variable that cannot be used is a warning, never a stop.
public struct OTLPConfiguration: Sendable, Equatable {
    /// A signal's exporter. Environment: `OTEL_TRACES_EXPORTER`, `OTEL_LOGS_EXPORTER`, `OTEL_METRICS_EXPORTER`
    /// (comma-separated; `none` for no exporter).
    public enum Exporter: String, Sendable, Equatable {
        /// OTLP/HTTP with JSON to the collector.
        case otlp
        /// One line a span, log record or metric data point on standard output.
        case console
        /// Metrics only: a Prometheus scrape endpoint on ``OTLPConfiguration/prometheusHost`` and
        /// ``OTLPConfiguration/prometheusPort``. The plugin serves none itself (it exports OTLP; a service adds
        /// swift-prometheus's factory), and says so; `ecl-workflows` serves one while it runs.
        case prometheus
    }

    /// Which metric streams are sent as deltas (what changed since the last export) rather than cumulatively
    /// (totals since the start). Environment: `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`.
    public enum MetricTemporality: String, Sendable, Equatable {
        /// Every stream cumulative (the default; what Prometheus-style backends expect).
        case cumulative
        /// Counters and histograms as deltas, up-down counters cumulative.
        case delta
        /// Counters and histograms as deltas (swift-metrics has no asynchronous instruments, so the same as
        /// `delta` here).
        case lowMemory = "lowmemory"
    }

    /// How a trace's context crosses process boundaries. Environment: `OTEL_PROPAGATORS` (`none` for none).
    public enum Propagator: String, Sendable, Equatable {
        /// W3C Trace Context: the `traceparent` and `tracestate` headers.
        case traceContext = "tracecontext"
        /// W3C Baggage: the `baggage` header.
        case baggage
    }

    /// What one signal (spans, or log records) does.
    public struct Signal: Sendable, Equatable {
        /// Where it goes; empty for nowhere. Default `[.otlp]`.
        public var exporters: [Exporter] = [.otlp]
        /// Its full URL, used as it is; nil for ``OTLPConfiguration/endpoint`` with `/v1/traces`, `/v1/logs` or
        /// `/v1/metrics` appended. Environment: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `…_LOGS_ENDPOINT`, `…_METRICS_ENDPOINT`.
        public var endpoint: String?
        /// Its headers instead of the shared ones; nil for ``OTLPConfiguration/headers``.
        /// Environment: `OTEL_EXPORTER_OTLP_TRACES_HEADERS`, `OTEL_EXPORTER_OTLP_LOGS_HEADERS`.
        public var headers: [OTLPHTTPConfiguration.Header]?
        /// Its compression; nil for ``OTLPConfiguration/compression``.
        /// Environment: `OTEL_EXPORTER_OTLP_TRACES_COMPRESSION`, `OTEL_EXPORTER_OTLP_LOGS_COMPRESSION`.
        public var compression: OTLPHTTPConfiguration.Compression?
        /// Its request time limit in seconds; nil for ``OTLPConfiguration/timeoutSeconds``.
        /// Environment (milliseconds): `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT`, `OTEL_EXPORTER_OTLP_LOGS_TIMEOUT`.
        public var timeoutSeconds: Double?
        /// Its TLS files, each over the shared one when set. Environment: `OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE`,
        /// `…_CLIENT_CERTIFICATE`, `…_CLIENT_KEY` (and the `LOGS` forms).
        public var tls = TLSFiles()
        /// The batch processor's limits. Environment: `OTEL_BSP_*` for spans, `OTEL_BLRP_*` for logs (metrics
        /// are exported on ``OTLPConfiguration/metricExportIntervalSeconds`` instead).
        public var batch: BatchConfiguration

        /// Creates a signal's settings.
        public init(batch: BatchConfiguration) { self.batch = batch }
    }

    /// Turns everything off: no exporter, no batch thread, spans not recorded, log lines not captured.
    /// Default false. Environment: `OTEL_SDK_DISABLED=true`.
    public var isDisabled = false
    /// The `service.name` resource attribute; nil for `service.name` from ``resourceAttributes``, else
    /// `unknown_service:<process name>`. Environment: `OTEL_SERVICE_NAME`.
    public var serviceName: String?
    /// The `service.version` resource attribute, if any.
    public var serviceVersion: String?
    /// More resource attributes, such as `deployment.environment.name`. Environment: `OTEL_RESOURCE_ATTRIBUTES`
    /// (`key=value,…`, percent-encoded values), whose pairs are added over these.
    public var resourceAttributes: [String: String] = [:]
    /// The collector's base URL; `/v1/traces`, `/v1/logs` and `/v1/metrics` are appended. Nil for the default,
    /// `http://localhost:4318`. Environment: `OTEL_EXPORTER_OTLP_ENDPOINT`.
    public var endpoint: String?
    /// Headers sent with every request (an API key, a tenant); values are never printed.
    /// Environment: `OTEL_EXPORTER_OTLP_HEADERS` (`name=value,…`, percent-encoded values).
    public var headers: [OTLPHTTPConfiguration.Header] = []
    /// Body compression. Default gzip, where the specification's is none: uncompressed JSON is five times
    /// the bytes, and every collector takes gzip. Environment: `OTEL_EXPORTER_OTLP_COMPRESSION` (`gzip`, `none`).
    public var compression: OTLPHTTPConfiguration.Compression = .gzip
    /// The gzip level, 1 (fastest) to 9 (smallest). Default 3.
    public var gzipLevel: Int32 = OTLPHTTPConfiguration.defaultGzipLevel
    /// Each request's time limit in seconds. Default 10. Environment (milliseconds, 0 for no limit):
    /// `OTEL_EXPORTER_OTLP_TIMEOUT`.
    public var timeoutSeconds: Double = 10
    /// TLS files for an `https://` collector: the authorities to trust instead of the system's, and a client
    /// certificate and key for mutual TLS. Environment: `OTEL_EXPORTER_OTLP_CERTIFICATE`,
    /// `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`, `OTEL_EXPORTER_OTLP_CLIENT_KEY`.
    public var tls = TLSFiles()
    /// Spans: exporters, destination, batch limits (default delay 5 s).
    public var traces = Signal(batch: BatchConfiguration(scheduledDelaySeconds: 5))
    /// Log records: exporters, destination, batch limits (default delay 1 s).
    public var logs = Signal(batch: BatchConfiguration(scheduledDelaySeconds: 1))
    /// Metrics (from swift-metrics, through ``OTLPMetricsFactory``): exporters and destination. With an
    /// exporter, bootstrap installs the factory as swift-metrics' backend; set `exporters = []` (or
    /// `OTEL_METRICS_EXPORTER=none`) to keep a backend of your own.
    public var metrics = Signal(batch: BatchConfiguration(maxQueueSize: 65536, maxExportBatchSize: 4096, scheduledDelaySeconds: 60))
    /// How often metrics are read and exported, in seconds. Default 60. Environment (milliseconds):
    /// `OTEL_METRIC_EXPORT_INTERVAL`.
    public var metricExportIntervalSeconds: Double = 60
    /// The longest one metrics export may take, in seconds. Default 30. Environment (milliseconds, 0 for no
    /// limit): `OTEL_METRIC_EXPORT_TIMEOUT`.
    public var metricExportTimeoutSeconds: Double = 30
    /// Where a Prometheus scrape endpoint listens (``Exporter/prometheus``). Default `localhost`.
    /// Environment: `OTEL_EXPORTER_PROMETHEUS_HOST`.
    public var prometheusHost = "localhost"
    /// Its port. Default 9464. Environment: `OTEL_EXPORTER_PROMETHEUS_PORT`.
    public var prometheusPort = 9464
    /// Cumulative (default) or delta. Environment: `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`.
    public var metricTemporality: MetricTemporality = .cumulative
    /// Histogram bounds, units and descriptions of the metrics.
    public var metricsAggregation = MetricsAggregation()
    /// Count the pipelines' own health among the metrics (`otel.sdk.exporter.*` and `otel.sdk.processor.*`:
    /// items delivered, spooled, refused and lost, export durations, queue sizes). Default false: a service that records no metrics sends none.
    public var metricsIncludePipelineHealth = false
    /// Which traces are recorded and exported. Default `.parentBased(root: .alwaysOn)`.
    /// Environment: `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`.
    public var sampler: OTLPSampler = .parentBased(root: .alwaysOn)
    /// The propagators `inject` and `extract` use. Default W3C Trace Context and Baggage.
    /// Environment: `OTEL_PROPAGATORS`.
    public var propagators: [Propagator] = [.traceContext, .baggage]
    /// How many attributes, events and links a span keeps (default 128 each, strings not cut).
    /// Environment: `OTEL_SPAN_*_LIMIT`, `OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT`, `OTEL_LINK_ATTRIBUTE_COUNT_LIMIT`,
    /// and `OTEL_ATTRIBUTE_COUNT_LIMIT`, `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT` for what those leave unset.
    public var spanLimits = SpanLimits()
    /// How many attributes a log record keeps (default 128, strings not cut). Environment:
    /// `OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT`, `OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT` (else the
    /// `OTEL_ATTRIBUTE_*` ones).
    public var logLimits = AttributeLimits()
    /// The lowest level of log line exported. Default info.
    public var logLevel: Logger.Level = .info
    /// Keep only warning and worse log lines of traces the sampler dropped (their info and debug lines go
    /// with their spans). Default true.
    public var logsFollowSampling = true
    /// Beyond the specification: hold a sampled-out trace's spans and lines until it ends, and export them
    /// after all when it failed (its last span to end, the root, has an error status). Costs the recording
    /// of sampled-out traces. Default false.
    public var keepFailedTraces = false
    /// A directory where batches the collector cannot take now wait, and are sent by a later run; nil for
    /// none (then they are counted as lost after retries). Default nil.
    public var spoolDirectory: String?
    /// The exporter's own warnings (collector unreachable, a variable ignored): their lowest level.
    /// Default info. Environment: `OTEL_LOG_LEVEL` (`debug`, `info`, `warn`, `error`, `none`…).
    public var diagnosticsLevel: Logger.Level? = .info

    /// The defaults: spans and logs over OTLP/HTTP with JSON to `http://localhost:4318`, gzip, parent-based
    /// always-on sampling, W3C propagation (the OpenTelemetry SDK's, except gzip).
    public init() {}

    /// The defaults with a service name.
    public init(serviceName: String) { self.serviceName = serviceName }

    /// A preset for development: spans, log lines (debug and above) and metrics on standard output, one line
    /// each, nothing sent. The environment still overrides it (`OTEL_TRACES_EXPORTER=otlp` sends spans to the
    /// collector instead; `otlp,console` does both).
    public static func development(serviceName: String) -> OTLPConfiguration {
        var configuration = OTLPConfiguration(serviceName: serviceName)
        configuration.traces.exporters = [.console]
        configuration.logs.exporters = [.console]
        configuration.metrics.exporters = [.console]
        configuration.logLevel = .debug
        return configuration
    }

    /// A preset for production: spans and info lines to the collector, and what it cannot take now kept in
    /// `spoolDirectory` until it can (this run or the next), so an outage loses nothing.
    public static func production(serviceName: String, spoolDirectory: String) -> OTLPConfiguration {
        var configuration = OTLPConfiguration(serviceName: serviceName)
        configuration.spoolDirectory = spoolDirectory
        return configuration
    }

    /// The default collector base URL.
    public static let defaultEndpoint = "http://localhost:4318"

    /// Each exported signal's destination: a signal's own setting, else the shared one, else the default.
    /// A signal without the OTLP exporter has none.
    public var destinations: OTLPHTTPConfiguration {
        func destination(_ signal: Signal, path: String) -> OTLPHTTPConfiguration.Destination? {
            guard signal.exporters.contains(.otlp) else { return nil }
            let tls = TLSFiles(
                certificateAuthorityFile: signal.tls.certificateAuthorityFile ?? self.tls.certificateAuthorityFile,
                clientCertificateFile: signal.tls.clientCertificateFile ?? self.tls.clientCertificateFile,
                clientKeyFile: signal.tls.clientKeyFile ?? self.tls.clientKeyFile)
            return OTLPHTTPConfiguration.Destination(
                url: signal.endpoint ?? URLText.appendingPath(endpoint ?? Self.defaultEndpoint, path), headers: signal.headers ?? headers,
                compression: signal.compression ?? compression, timeoutSeconds: signal.timeoutSeconds ?? timeoutSeconds,
                tls: tls.isEmpty ? nil : tls, gzipLevel: gzipLevel)
        }
        return OTLPHTTPConfiguration(
            traces: destination(traces, path: OTLPSignal.traces.path), logs: destination(logs, path: OTLPSignal.logs.path),
            metrics: destination(metrics, path: OTLPSignal.metrics.path))
    }
}
