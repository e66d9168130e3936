import CoreMetrics
import LogLineCore
import Synchronization

/// A metric's unit, description and histogram bounds, for the streams of that name.
public struct MetricDescription: Sendable, Equatable {
    /// The unit in UCUM, such as `s` or `{token}`; empty when it has none.
    public var unit: String
    /// What it measures, one sentence.
    public var description: String
    /// A histogram's explicit bucket bounds (ascending), over the defaults; nil for the defaults.
    public var bounds: [Double]?

    /// Creates a description.
    public init(unit: String = "", description: String = "", bounds: [Double]? = nil) {
        self.unit = unit
        self.description = description
        self.bounds = bounds
    }
}

/// How swift-metrics instruments are aggregated: histogram bounds, and what each metric is.
public struct MetricsAggregation: Sendable, Equatable {
    /// The bounds of a `Recorder`'s histogram: the OpenTelemetry SDK's default explicit bounds.
    public var defaultBounds: [Double] = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000]
    /// The bounds of a `Timer`'s histogram, in seconds (timers are exported in seconds, unit `s`): the
    /// OpenTelemetry semantic conventions' advice for durations.
    public var durationBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
    /// Units, descriptions and bounds by metric name.
    public var descriptions: [String: MetricDescription] = [:]

    /// The defaults, with `descriptions`.
    public init(descriptions: [String: MetricDescription] = [:]) { self.descriptions = descriptions }
}

/// A swift-metrics backend that aggregates in memory, for OTLP export (``OTLPObservability`` reads it on its
/// periodic reader) or to be read in the process.
///
/// Counters, floating-point counters, recorders, gauges, meters and timers are one stream per label and set
/// of dimensions. Making a handler looks its stream up under one of sixteen locks (by hash); using it takes
/// none: an increment is one atomic add, a histogram record a few. Hold the `Counter` or `Timer` you use
/// often, as with any swift-metrics backend.
///
/// A name is one instrument type: a second type under a name already used (a `Timer` named like a
/// `Counter`) gets a handler that records nothing, said once through `report`. Handlers made with the same
/// label and dimensions share one stream, so destroying one stops the stream for all of them.
public final class OTLPMetricsFactory: MetricsFactory {
    /// How instruments are aggregated.
    public let aggregation: MetricsAggregation
    private let shards: [Shard]
    private let report: @Sendable (String) -> Void
    /// Each name's instrument type, and the names already said to clash.
    private let types = Mutex<(kinds: [String: InstrumentKind], warned: Set<String>)>(([:], []))

    /// One of the locks streams are looked up under.
    private final class Shard: Sendable {
        let streams = Mutex<[String: any MetricSeries]>([:])
    }

    private enum InstrumentKind: String {
        case counter = "c", floatingPointCounter = "f", gauge = "g", histogram = "h", timer = "t"

        var name: String {
            switch self {
            case .counter: "counter"
            case .floatingPointCounter: "floating-point counter"
            case .gauge: "gauge"
            case .histogram: "recorder"
            case .timer: "timer"
            }
        }
    }

    /// Creates an empty backend; `report` hears of instruments that clash.
    public init(aggregation: MetricsAggregation = MetricsAggregation(), report: @escaping @Sendable (String) -> Void = { _ in }) {
        self.aggregation = aggregation
        self.report = report
        shards = (0..<16).map { _ in Shard() }
    }

    /// A monotonic integer sum (`Counter`).
    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        stream(.counter, label, dimensions) { CounterSeries(identity: $0) } ?? IgnoredHandler()
    }

    /// A monotonic floating-point sum (`FloatingPointCounter`).
    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        stream(.floatingPointCounter, label, dimensions) { FloatingPointCounterSeries(identity: $0) } ?? IgnoredHandler()
    }

    /// A gauge moved by sets, increments and decrements (`Meter`).
    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        stream(.gauge, label, dimensions) { GaugeSeries(identity: $0) } ?? IgnoredHandler()
    }

    /// A histogram (`Recorder`), or a gauge when it does not aggregate (`Gauge`).
    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return stream(.gauge, label, dimensions) { GaugeSeries(identity: $0) } ?? IgnoredHandler() }
        return stream(.histogram, label, dimensions) { identity -> HistogramSeries in
            HistogramSeries(identity: identity, bounds: self.bounds(for: identity.name, default: self.aggregation.defaultBounds))
        } ?? IgnoredHandler()
    }

    /// A histogram in seconds (`Timer`), with the duration bounds.
    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        stream(.timer, label, dimensions) { identity -> HistogramSeries in
            var identity = identity
            if identity.unit.isEmpty { identity.unit = "s" }
            return HistogramSeries(
                identity: identity, bounds: self.bounds(for: identity.name, default: self.aggregation.durationBounds), scale: 1e-9)
        } ?? IgnoredHandler()
    }

    /// Stops reading the handler's stream (and every handler of it: they share it).
    public func destroyCounter(_ handler: any CounterHandler) { remove(handler) }
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { remove(handler) }
    public func destroyMeter(_ handler: any MeterHandler) { remove(handler) }
    public func destroyRecorder(_ handler: any RecorderHandler) { remove(handler) }
    public func destroyTimer(_ handler: any TimerHandler) { remove(handler) }

    /// Every stream's cumulative value at `now`, ordered by name, then type, then dimensions.
    @_spi(Pipeline) public func collect(now: UInt64 = LogLine.now()) -> [MetricPoint] {
        var points: [(key: String, point: MetricPoint)] = []
        for shard in shards {
            let streams = shard.streams.withLock { Array($0) }
            for (key, series) in streams {
                if let point = series.collect(now: now) { points.append((key, point)) }
            }
        }
        return points.sorted { ($0.point.name, $0.key) < ($1.point.name, $1.key) }.map(\.point)
    }

    /// The total of the integer counter `name` over its streams whose dimensions include every pair of
    /// `matching` (all of them by default): for a summary that reads what the metrics say.
    public func counterTotal(_ name: String, matching: [(String, String)] = []) -> Int64 {
        var total: Int64 = 0
        for shard in shards {
            let streams = shard.streams.withLock { Array($0.values) }
            for case let counter as CounterSeries in streams where counter.identity.name == Self.instrumentName(name) {
                let attributes = counter.identity.attributes
                guard matching.allSatisfy({ pair in attributes.contains { $0.key == pair.0 && $0.value == .string(pair.1) } }) else { continue }
                if case .int(let value)? = counter.collect(now: 0)?.value { total &+= value }
            }
        }
        return total
    }

    /// The sum of the values recorded in the histogram `name` (a recorder or timer) over its streams whose
    /// dimensions include every pair of `matching`.
    public func histogramSum(_ name: String, matching: [(String, String)] = []) -> Double {
        var total = 0.0
        for shard in shards {
            let streams = shard.streams.withLock { Array($0.values) }
            for case let histogram as HistogramSeries in streams where histogram.identity.name == Self.instrumentName(name) {
                let attributes = histogram.identity.attributes
                guard matching.allSatisfy({ pair in attributes.contains { $0.key == pair.0 && $0.value == .string(pair.1) } }) else { continue }
                if case .histogram(let value)? = histogram.collect(now: 0)?.value { total += value.sum ?? 0 }
            }
        }
        return total
    }

    // MARK: - Streams

    /// Whether `name` may be an instrument of `kind`: the first type made under a name keeps it.
    private func admits(_ kind: InstrumentKind, _ name: String) -> Bool {
        let clash: InstrumentKind?? = types.withLock { types in
            guard let existing = types.kinds[name] else {
                types.kinds[name] = kind
                return .none
            }
            guard existing != kind else { return .none }
            return types.warned.insert(name).inserted ? .some(existing) : .some(nil)
        }
        guard let clash else { return true }
        if let existing = clash {
            report("metrics: '\(name)' is a \(existing.name); a \(kind.name) of that name records nothing (one type a name)")
        }
        return false
    }

    /// The stream of `kind`, `label` and `dimensions`, made on first use; nil when the name is another
    /// type's. A stream that exists costs one key and one lookup under its shard's lock.
    private func stream<Series: MetricSeries>(
        _ kind: InstrumentKind, _ label: String, _ dimensions: [(String, String)], make: (SeriesIdentity) -> Series
    ) -> Series? {
        let name = Self.instrumentName(label)
        let key = Self.key(kind, name, dimensions)
        let shard = shards[Int(UInt(bitPattern: key.hashValue) % UInt(shards.count))]
        // The key starts with the kind, and a kind is always made as the same class: a stream found is a
        // `Series` (no dynamic cast, which costs more than the lookup).
        if let existing = shard.streams.withLock({ $0[key] }) { return unsafeDowncast(existing as AnyObject, to: Series.self) }
        guard admits(kind, name) else { return nil }
        return shard.streams.withLock { streams in
            if let existing = streams[key] { return unsafeDowncast(existing as AnyObject, to: Series.self) }
            let description = aggregation.descriptions[name]
            var attributes: [TelemetryAttribute] = []
            for (key, value) in dimensions {
                if let index = attributes.firstIndex(where: { $0.key == key }) { attributes.remove(at: index) }
                attributes.append(TelemetryAttribute(key, .string(value)))
            }
            let series = make(SeriesIdentity(
                name: name, unit: description?.unit ?? "", description: description?.description ?? "", attributes: attributes))
            streams[key] = series
            return series
        }
    }

    private func remove(_ handler: AnyObject) {
        guard let series = handler as? any MetricSeries else { return }
        for shard in shards {
            shard.streams.withLock { streams in
                if let key = streams.first(where: { $0.value === series })?.key { streams[key] = nil }
            }
        }
    }

    private func bounds(for name: String, default bounds: [Double]) -> [Double] {
        let chosen = aggregation.descriptions[name]?.bounds ?? bounds
        // Ascending and distinct, as OTLP requires; infinities and NaN are not bounds.
        return Array(Set(chosen.filter(\.isFinite))).sorted()
    }

    /// A stream's key: its kind, name and dimensions (sorted by key, the last value of a repeated key).
    private static func key(_ kind: InstrumentKind, _ name: String, _ dimensions: [(String, String)]) -> String {
        var key = kind.rawValue
        key.reserveCapacity(name.utf8.count + dimensions.reduce(1) { $0 + $1.0.utf8.count + $1.1.utf8.count + 2 })
        key.append(name)
        let count = dimensions.count
        // The dimensions in key order, sorted in a stack buffer (no allocation: this runs for every handler made).
        withUnsafeTemporaryAllocation(of: Int.self, capacity: max(count, 1)) { order in
            for index in 0..<count { order[index] = index }
            for index in 1..<max(count, 1) {
                var position = index
                while position > 0, dimensions[order[position - 1]].0 > dimensions[order[position]].0 {
                    order.swapAt(position - 1, position)
                    position -= 1
                }
            }
            var index = 0
            while index < count {
                // A key given twice: its last value.
                var chosen = order[index]
                var next = index + 1
                while next < count, dimensions[order[next]].0 == dimensions[chosen].0 {
                    chosen = max(chosen, order[next])
                    next += 1
                }
                key.append("\u{1F}")
                key.append(dimensions[chosen].0)
                key.append("\u{1E}")
                key.append(dimensions[chosen].1)
                index = next
            }
        }
        return key
    }

    /// `label` as an OpenTelemetry instrument name: an ASCII letter first, then letters, digits, `_`, `.`,
    /// `/` and `-`, at most 255 characters; anything else becomes `_`.
    static func instrumentName(_ label: String) -> String {
        // Most labels are valid already: checked byte by byte, returned as they are.
        let utf8 = label.utf8
        if let first = utf8.first, (65...90).contains(first) || (97...122).contains(first), utf8.count <= 255,
            utf8.allSatisfy({ byte in
                (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 95 || byte == 46 || byte == 47 || byte == 45
            })
        {
            return label
        }
        var scalars = label.unicodeScalars.prefix(255).map { scalar -> Character in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_", ".", "/", "-": Character(scalar)
            default: "_"
            }
        }
        if let first = scalars.first, !first.isLetter {
            scalars.insert("m", at: 0)
            if scalars.count > 255 { scalars.removeLast() }
        }
        return scalars.isEmpty ? "unnamed" : String(scalars)
    }
}

/// The handler of an instrument that is not recorded (its name is another type's, or its stream is not
/// exported): it records nothing. Shared with the other metrics backends of the project.
@_spi(Pipeline) public final class IgnoredHandler: CounterHandler, FloatingPointCounterHandler, RecorderHandler, MeterHandler, TimerHandler {
    /// A handler that records nothing.
    public init() {}
    public func increment(by: Int64) {}
    public func increment(by: Double) {}
    public func decrement(by: Double) {}
    public func reset() {}
    public func record(_ value: Int64) {}
    public func record(_ value: Double) {}
    public func set(_ value: Int64) {}
    public func set(_ value: Double) {}
    public func recordNanoseconds(_ duration: Int64) {}
}
