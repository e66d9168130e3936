import CoreMetrics

/// The exporter's own health, through swift-metrics (named after OpenTelemetry's SDK self-observability
/// conventions): what became of each item, how long each export took, and how full the queue is. Recorded a
/// batch at a time by the worker, never on the caller's path.
///
/// | name | type | dimensions |
/// | --- | --- | --- |
/// | `otel.sdk.exporter.span.exported` (`.log.exported`, `.metric_data_point.exported`) | counter | `otel.component.type`; `error.type` = `spooled`, `rejected` or `lost` for what did not reach the collector (none when delivered) |
/// | `otel.sdk.exporter.operation.duration` | timer (s) | `otel.component.type`; `error.type` = `unavailable` or `rejected` when the export failed |
/// | `otel.sdk.processor.span.queue.size` (`.log.`, `.metric_data_point.`) | gauge | `otel.component.type` |
/// | `otel.sdk.processor.span.queue.capacity` (and the others) | gauge | `otel.component.type` |
@_spi(Pipeline) public struct DeliveryMetrics: Sendable {
    /// The backend.
    public let factory: any MetricsFactory
    private let exported: String
    private let queueSize: String
    private let queueCapacity: String
    private let component: [(String, String)]

    /// Metrics of `signal`'s pipeline through `factory`.
    public init(signal: OTLPSignal, factory: any MetricsFactory) {
        self.factory = factory
        let item = switch signal {
        case .traces: "span"
        case .logs: "log"
        case .metrics: "metric_data_point"
        }
        exported = "otel.sdk.exporter.\(item).exported"
        queueSize = "otel.sdk.processor.\(item).queue.size"
        queueCapacity = "otel.sdk.processor.\(item).queue.capacity"
        // The semantic conventions' component types: otlp_http_json_span_exporter, …_log_…, …_metric_exporter.
        let exporter = signal == .metrics ? "metric" : item
        component = [("otel.component.type", "otlp_http_json_\(exporter)_exporter")]
    }

    /// What each of these metrics is, for backends that take units and descriptions.
    public static let descriptions: [String: MetricDescription] = {
        var descriptions: [String: MetricDescription] = [
            "otel.sdk.exporter.operation.duration": MetricDescription(unit: "s", description: "How long exports took, retries included."),
        ]
        for (item, unit) in [("span", "{span}"), ("log", "{log_record}"), ("metric_data_point", "{data_point}")] {
            descriptions["otel.sdk.exporter.\(item).exported"] = MetricDescription(
                unit: unit, description: "Items handed to the exporter, by what became of them (error.type: spooled, rejected, lost).")
            descriptions["otel.sdk.processor.\(item).queue.size"] = MetricDescription(unit: unit, description: "Items waiting in the queue.")
            descriptions["otel.sdk.processor.\(item).queue.capacity"] = MetricDescription(unit: unit, description: "The most items the queue holds.")
        }
        return descriptions
    }()

    /// The changes between two tallies: delivered, spooled, rejected and lost items.
    func record(from before: DeliveryCounters, to after: DeliveryCounters) {
        let changes: [(String?, Int)] = [
            (nil, after.delivered - before.delivered), ("spooled", after.spooled - before.spooled),
            ("rejected", after.rejected - before.rejected), ("lost", after.lost - before.lost),
        ]
        for (errorType, change) in changes where change > 0 {
            CoreMetrics.Counter(label: exported, dimensions: component + (errorType.map { [("error.type", $0)] } ?? []), factory: factory)
                .increment(by: change)
        }
    }

    /// One export's duration and outcome.
    func exportTook(seconds: Double, outcome: ExportOutcome) {
        let errorType: String? = switch outcome {
        case .delivered: nil
        case .unavailable: "unavailable"
        case .rejected: "rejected"
        }
        CoreMetrics.Timer(label: "otel.sdk.exporter.operation.duration", dimensions: component + (errorType.map { [("error.type", $0)] } ?? []), factory: factory)
            .recordNanoseconds(Int64((max(0, seconds) * 1e9).rounded()))
    }

    /// The queue's length and capacity now.
    func queue(size: Int, capacity: Int) {
        CoreMetrics.Gauge(label: queueSize, dimensions: component, factory: factory).record(size)
        CoreMetrics.Gauge(label: queueCapacity, dimensions: component, factory: factory).record(capacity)
    }
}
