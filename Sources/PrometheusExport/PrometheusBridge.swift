import CoreMetrics
@_spi(Pipeline) import OTLPExporter
import Prometheus
import Synchronization

/// A swift-metrics backend that records into a swift-prometheus registry under Prometheus names
/// (``PrometheusNames``), with each metric's help text, unit and bucket bounds from `descriptions` (the
/// plugin's `MetricDescription`s, so the OTLP export and Prometheus describe a metric alike); the
/// registry renders the text format (``render()``).
///
/// swift-prometheus stops the process on what Prometheus cannot take (a negative count, one name used for two
/// types, or with and without labels); such an update is left out here instead, and said once through `report`.
public final class PrometheusBridge: MetricsFactory {
    /// The registry the metrics live in.
    public let registry = PrometheusCollectorRegistry()
    private let descriptions: [String: MetricDescription]
    private let report: @Sendable (String) -> Void
    /// Each family's type and whether it has labels, as first registered; and the families already warned about.
    private let families = Mutex<(kinds: [String: String], warned: Set<String>)>(([:], []))

    /// Default bounds of timers, in seconds: OpenTelemetry's advice for durations.
    public static let defaultDurationBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
    /// Default bounds of other histograms: the OpenTelemetry SDK's.
    public static let defaultValueBounds: [Double] = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000]

    /// Creates a bridge with the metrics' descriptions by their swift-metrics label.
    public init(descriptions: [String: MetricDescription] = [:], report: @escaping @Sendable (String) -> Void) {
        self.descriptions = descriptions
        self.report = report
    }

    /// The registry in the Prometheus text exposition format (version 0.0.4).
    public func render() -> [UInt8] { registry.emitToBuffer() }

    /// A counter, `_total` added to its name.
    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        let (descriptor, labels) = names(label, dimensions, counter: true, unit: nil)
        guard admit(descriptor.name, kind: "counter", labeled: !labels.isEmpty) else { return IgnoredHandler() }
        return NonNegative(registry.makeCounter(descriptor: descriptor, labels: labels))
    }

    /// A counter of Doubles, `_total` added to its name.
    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        let (descriptor, labels) = names(label, dimensions, counter: true, unit: nil)
        guard admit(descriptor.name, kind: "counter", labeled: !labels.isEmpty) else { return IgnoredHandler() }
        return NonNegative(registry.makeCounter(descriptor: descriptor, labels: labels))
    }

    /// A histogram with the description's bounds, or a gauge when it does not aggregate.
    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        let (descriptor, labels) = names(label, dimensions, counter: false, unit: nil)
        guard aggregate else {
            guard admit(descriptor.name, kind: "gauge", labeled: !labels.isEmpty) else { return IgnoredHandler() }
            return registry.makeGauge(descriptor: descriptor, labels: labels)
        }
        guard admit(descriptor.name, kind: "histogram", labeled: !labels.isEmpty) else { return IgnoredHandler() }
        let bounds = descriptions[label]?.bounds ?? Self.defaultValueBounds
        return registry.makeValueHistogram(descriptor: descriptor, labels: labels, buckets: Self.ascending(bounds))
    }

    /// A gauge.
    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        let (descriptor, labels) = names(label, dimensions, counter: false, unit: nil)
        guard admit(descriptor.name, kind: "gauge", labeled: !labels.isEmpty) else { return IgnoredHandler() }
        return registry.makeGauge(descriptor: descriptor, labels: labels)
    }

    /// A histogram in seconds, `_seconds` added to its name.
    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let (descriptor, labels) = names(label, dimensions, counter: false, unit: "s")
        guard admit(descriptor.name, kind: "histogram", labeled: !labels.isEmpty) else { return IgnoredHandler() }
        let bounds = Self.ascending(descriptions[label]?.bounds ?? Self.defaultDurationBounds)
        return registry.makeDurationHistogram(
            descriptor: descriptor, labels: labels, buckets: bounds.map { Duration.nanoseconds(Int64(($0 * 1e9).rounded())) })
    }

    // Streams live as long as the registry: a destroyed handler's last value stays in the text.
    public func destroyCounter(_ handler: any CounterHandler) {}
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    public func destroyMeter(_ handler: any MeterHandler) {}
    public func destroyRecorder(_ handler: any RecorderHandler) {}
    public func destroyTimer(_ handler: any TimerHandler) {}

    /// The descriptor and labels of a stream: Prometheus names, the description's help.
    private func names(_ label: String, _ dimensions: [(String, String)], counter: Bool, unit: String?) -> (MetricNameDescriptor, [(String, String)]) {
        let description = descriptions[label]
        let name = PrometheusNames.metric(label, unit: unit ?? description?.unit ?? "", counter: counter)
        var labels: [(String, String)] = []
        for (key, value) in dimensions {
            let key = PrometheusNames.label(key)
            labels.removeAll { $0.0 == key }
            labels.append((key, value))
        }
        return (MetricNameDescriptor(metricName: name, unitName: "", helpText: description?.description ?? ""), labels)
    }

    /// Whether a stream of `kind` may join the family `name`: the same type, labelled or not as its first
    /// stream was. Otherwise swift-prometheus would stop the process: the stream is left out, said once.
    private func admit(_ name: String, kind: String, labeled: Bool) -> Bool {
        let shape = kind + (labeled ? " with labels" : " without labels")
        let problem: String? = families.withLock { families in
            guard let existing = families.kinds[name] else {
                families.kinds[name] = shape
                return nil
            }
            guard existing != shape else { return nil }
            return families.warned.insert(name).inserted ? "Prometheus: \(name) is a \(existing); a \(shape) of that name is not exported" : ""
        }
        guard let problem else { return true }
        if !problem.isEmpty { report(problem) }
        return false
    }

    private static func ascending(_ bounds: [Double]) -> [Double] { Array(Set(bounds.filter(\.isFinite))).sorted() }
}

/// A counter that leaves out what Prometheus cannot count (a negative or NaN amount) instead of stopping.
private final class NonNegative: CounterHandler, FloatingPointCounterHandler {
    private let counter: Prometheus.Counter

    init(_ counter: Prometheus.Counter) { self.counter = counter }

    func increment(by amount: Int64) { if amount > 0 { counter.increment(by: amount) } }
    func increment(by amount: Double) { if amount > 0, amount.isFinite { counter.increment(by: amount) } }
    func reset() { counter.reset() }
}
