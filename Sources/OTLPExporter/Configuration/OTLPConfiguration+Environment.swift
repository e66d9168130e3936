import CurlClient
import Logging

extension OTLPConfiguration {
    /// This configuration with the environment's `OTEL_*` variables over it, per the OpenTelemetry
    /// environment specification: an empty variable is unset, a signal's own variable wins over the shared
    /// one, and a value that cannot be used is one warning through `warn` (naming the variable, the value,
    /// unless it may be a secret, and what is accepted) and is otherwise ignored. (A protocol other than
    /// http/json is said where the destinations are known: `OTLPHTTPConfiguration.protocolWarning(environment:signals:)`.)
    public func applyingEnvironment(_ environment: [String: String], warn: (String) -> Void) -> OTLPConfiguration {
        withoutActuallyEscaping(warn) { warn in applying(EnvironmentReader(environment: environment, warn: warn)) }
    }

    private func applying(_ reader: EnvironmentReader) -> OTLPConfiguration {
        let warn = reader.warn
        var result = self
        if let disabled = reader.boolean("OTEL_SDK_DISABLED") { result.isDisabled = disabled }
        if let level = reader.choice("OTEL_LOG_LEVEL", Self.diagnosticsLevels) { result.diagnosticsLevel = level }
        if let text = reader.text("OTEL_RESOURCE_ATTRIBUTES") {
            if let pairs = OTLPResource.parseResourceAttributes(text) {
                for (key, value) in pairs { result.resourceAttributes[key] = value }
                // The environment's service.name and service.version are over the code's; OTEL_SERVICE_NAME
                // is over both (below).
                if let name = pairs.last(where: { $0.0 == "service.name" })?.1 { result.serviceName = name }
                if let version = pairs.last(where: { $0.0 == "service.version" })?.1 { result.serviceVersion = version }
            } else {
                reader.reject("OTEL_RESOURCE_ATTRIBUTES", text, expected: "key1=value1,key2=value2 with percent-encoded values", shown: false)
            }
        }
        if let name = reader.text("OTEL_SERVICE_NAME") { result.serviceName = name }
        let exporters: KeyValuePairs<String, Exporter?> = ["otlp": .otlp, "console": .console, "none": nil]
        if let list = reader.choices("OTEL_TRACES_EXPORTER", exporters) { result.traces.exporters = list.compactMap { $0 } }
        if let list = reader.choices("OTEL_LOGS_EXPORTER", exporters) { result.logs.exporters = list.compactMap { $0 } }
        // Prometheus is a metrics exporter only (the specification's `prometheus`: a scrape endpoint).
        let metricsExporters: KeyValuePairs<String, Exporter?> = ["otlp": .otlp, "prometheus": .prometheus, "console": .console, "none": nil]
        if let list = reader.choices("OTEL_METRICS_EXPORTER", metricsExporters) { result.metrics.exporters = list.compactMap { $0 } }
        if let host = reader.text("OTEL_EXPORTER_PROMETHEUS_HOST") { result.prometheusHost = host }
        if let port = reader.integer("OTEL_EXPORTER_PROMETHEUS_PORT", in: 1...65535, expected: "a port from 1 to 65535") { result.prometheusPort = port }
        let propagators: KeyValuePairs<String, Propagator?> = ["tracecontext": .traceContext, "baggage": .baggage, "none": nil]
        if let list = reader.choices("OTEL_PROPAGATORS", propagators) { result.propagators = list.compactMap { $0 } }
        if let sampler = OTLPSampler.fromEnvironment(reader) { result.sampler = sampler }

        if let url = reader.url("OTEL_EXPORTER_OTLP_ENDPOINT") {
            result.endpoint = url
            let path = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
            if OTLPSignal.allCases.contains(where: { path.hasSuffix("/" + $0.path) || path.hasSuffix("/" + $0.path + "/") }) {
                warn("OTEL_EXPORTER_OTLP_ENDPOINT: '\(EnvironmentReader.shown(URLText.redacted(url)))' already ends in a signal's path; /v1/traces, /v1/logs and /v1/metrics are appended to it (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, _LOGS_ENDPOINT and _METRICS_ENDPOINT take a full URL)")
            }
        }
        if let headers = reader.headers("OTEL_EXPORTER_OTLP_HEADERS") { result.headers = headers }
        if let compression = reader.choice("OTEL_EXPORTER_OTLP_COMPRESSION", Self.compressions) { result.compression = compression }
        if let seconds = reader.timeout("OTEL_EXPORTER_OTLP_TIMEOUT") { result.timeoutSeconds = seconds }
        result.tls = Self.tlsFiles(reader, prefix: "OTEL_EXPORTER_OTLP_", over: result.tls)
        result.traces = result.traces.applying(reader, name: "TRACES", batchPrefix: "OTEL_BSP_")
        result.logs = result.logs.applying(reader, name: "LOGS", batchPrefix: "OTEL_BLRP_")
        result.metrics = result.metrics.applying(reader, name: "METRICS", batchPrefix: nil)
        if let milliseconds = reader.integer(
            "OTEL_METRIC_EXPORT_INTERVAL", in: 1...Int(Int32.max), expected: "milliseconds, a whole number from 1 to 2147483647")
        { result.metricExportIntervalSeconds = Double(milliseconds) / 1000 }
        if let seconds = reader.timeout("OTEL_METRIC_EXPORT_TIMEOUT") { result.metricExportTimeoutSeconds = seconds }
        let temporalities: KeyValuePairs<String, MetricTemporality> = ["cumulative": .cumulative, "delta": .delta, "lowmemory": .lowMemory]
        if let temporality = reader.choice("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", temporalities) {
            result.metricTemporality = temporality
        }
        // Read so that a choice this exporter does not make is said, not silently ignored.
        let aggregations: KeyValuePairs<String, Bool> = ["explicit_bucket_histogram": true, "base2_exponential_bucket_histogram": false]
        if reader.choice("OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION", aggregations) == false {
            warn("OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION: base2_exponential_bucket_histogram is not supported; histograms are exported with explicit bucket bounds")
        }
        let filters: KeyValuePairs<String, Bool> = ["always_off": true, "always_on": false, "trace_based": false]
        if reader.choice("OTEL_METRICS_EXEMPLAR_FILTER", filters) == false {
            warn("OTEL_METRICS_EXEMPLAR_FILTER: exemplars are not recorded by this exporter (always_off)")
        }

        result.applyLimits(reader)

        return result
    }

    /// The attribute, span and log record limits: a signal's own variable, else the shared `OTEL_ATTRIBUTE_*`.
    private mutating func applyLimits(_ reader: EnvironmentReader) {
        func limit(_ name: String) -> Int? {
            reader.integer(name, in: 0...Int(Int32.max), expected: "a whole number from 0")
        }
        let count = limit("OTEL_ATTRIBUTE_COUNT_LIMIT")
        let length = limit("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT")
        if let value = limit("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT") ?? count { spanLimits.attributes.count = value }
        if let value = limit("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT") ?? length { spanLimits.attributes.valueLength = value }
        if let value = limit("OTEL_SPAN_EVENT_COUNT_LIMIT") { spanLimits.eventCount = value }
        if let value = limit("OTEL_SPAN_LINK_COUNT_LIMIT") { spanLimits.linkCount = value }
        if let value = limit("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT") ?? count { spanLimits.attributesPerEvent = value }
        if let value = limit("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT") ?? count { spanLimits.attributesPerLink = value }
        if let value = limit("OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT") ?? count { logLimits.count = value }
        if let value = limit("OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT") ?? length { logLimits.valueLength = value }
    }

    static let compressions: KeyValuePairs<String, OTLPHTTPConfiguration.Compression> = ["gzip": .gzip, "none": .none]

    static let diagnosticsLevels: KeyValuePairs<String, Logger.Level?> = [
        "trace": .trace, "debug": .debug, "info": .info, "notice": .notice, "warn": .warning, "warning": .warning, "error": .error,
        "critical": .critical, "none": nil,
    ]

    /// TLS files from `<prefix>CERTIFICATE`, `<prefix>CLIENT_CERTIFICATE` and `<prefix>CLIENT_KEY`, each over `files`.
    static func tlsFiles(_ reader: EnvironmentReader, prefix: String, over files: TLSFiles) -> TLSFiles {
        var result = files
        if let path = reader.readableFile(prefix + "CERTIFICATE") { result.certificateAuthorityFile = path }
        if let path = reader.readableFile(prefix + "CLIENT_CERTIFICATE") { result.clientCertificateFile = path }
        if let path = reader.readableFile(prefix + "CLIENT_KEY") { result.clientKeyFile = path }
        return result
    }
}

extension OTLPConfiguration.Signal {
    /// These settings with `OTEL_EXPORTER_OTLP_<name>_*` and the batch variables (`<batchPrefix>*`, if the
    /// signal has them) over them.
    func applying(_ reader: EnvironmentReader, name: String, batchPrefix: String?) -> Self {
        var result = self
        let prefix = "OTEL_EXPORTER_OTLP_\(name)_"
        if let url = reader.url(prefix + "ENDPOINT") { result.endpoint = url }
        // A signal's own list that cannot be read sends no headers: never the shared ones, which may be
        // another collector's credentials.
        if let headers = reader.headers(
            prefix + "HEADERS", malformed: [], consequence: "no headers are sent with \(name.lowercased()) (not the shared ones)")
        { result.headers = headers }
        if let compression = reader.choice(prefix + "COMPRESSION", OTLPConfiguration.compressions) { result.compression = compression }
        if let seconds = reader.timeout(prefix + "TIMEOUT") { result.timeoutSeconds = seconds }
        result.tls = OTLPConfiguration.tlsFiles(reader, prefix: prefix, over: tls)
        guard let batchPrefix else { return result }
        let positive = "a whole number above 0"
        let limit = Int(Int32.max)
        result.batch = BatchConfiguration(
            maxQueueSize: reader.integer(batchPrefix + "MAX_QUEUE_SIZE", in: 1...limit, expected: positive) ?? batch.maxQueueSize,
            maxExportBatchSize: reader.integer(batchPrefix + "MAX_EXPORT_BATCH_SIZE", in: 1...limit, expected: positive) ?? batch.maxExportBatchSize,
            scheduledDelaySeconds: reader.duration(batchPrefix + "SCHEDULE_DELAY") ?? batch.scheduledDelaySeconds,
            exportTimeoutSeconds: reader.timeout(batchPrefix + "EXPORT_TIMEOUT") ?? batch.exportTimeoutSeconds)
        return result
    }
}
