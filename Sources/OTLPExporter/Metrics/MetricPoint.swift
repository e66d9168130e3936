/// One data point of one metric stream as read by a collection: what the OTLP/JSON encoder writes as one
/// element of a `Sum`, `Gauge` or `Histogram`'s `dataPoints`.
@_spi(Pipeline) public struct MetricPoint: Sendable, Equatable {
    /// The OTLP metric type of the stream.
    public enum Kind: Sendable, Equatable {
        /// A `Sum`: a counter (monotonic) or an up-down counter.
        case sum(monotonic: Bool)
        /// A `Gauge`: the last value set.
        case gauge
        /// A `Histogram` with explicit bucket bounds.
        case histogram
    }

    /// What was aggregated.
    public enum Value: Sendable, Equatable {
        /// An integer sum or gauge (`asInt`).
        case int(Int64)
        /// A floating-point sum or gauge (`asDouble`).
        case double(Double)
        /// A histogram's count, sum, buckets, min and max.
        case histogram(HistogramValue)
    }

    /// The metric's name (the swift-metrics label, made a valid instrument name).
    public var name: String
    /// Its unit, such as `s`; empty when unknown.
    public var unit: String
    /// Its description; empty when unknown.
    public var description: String
    /// Its type.
    public var kind: Kind
    /// Whether the value is the change since the last collection (delta) rather than since the start (cumulative).
    public var isDelta: Bool
    /// The swift-metrics dimensions.
    public var attributes: [TelemetryAttribute]
    /// When the value's accumulation started (0 for gauges, which have none).
    public var startTimeUnixNano: UInt64
    /// When it was read.
    public var timeUnixNano: UInt64
    /// The value.
    public var value: Value

    /// Creates a point.
    public init(
        name: String, unit: String = "", description: String = "", kind: Kind, isDelta: Bool = false, attributes: [TelemetryAttribute],
        startTimeUnixNano: UInt64, timeUnixNano: UInt64, value: Value
    ) {
        self.name = name
        self.unit = unit
        self.description = description
        self.kind = kind
        self.isDelta = isDelta
        self.attributes = attributes
        self.startTimeUnixNano = startTimeUnixNano
        self.timeUnixNano = timeUnixNano
        self.value = value
    }
}

/// A histogram data point's aggregate.
@_spi(Pipeline) public struct HistogramValue: Sendable, Equatable {
    /// Values recorded.
    public var count: UInt64
    /// Their sum; nil once a negative value was recorded (the data model leaves it out then).
    public var sum: Double?
    /// Values per bucket: `bounds.count + 1` of them; bucket `i` holds values in `(bounds[i-1], bounds[i]]`.
    public var bucketCounts: [UInt64]
    /// The explicit bucket bounds, ascending.
    public var bounds: [Double]
    /// The smallest value recorded, if any.
    public var min: Double?
    /// The largest value recorded, if any.
    public var max: Double?

    /// Creates an aggregate.
    public init(count: UInt64, sum: Double?, bucketCounts: [UInt64], bounds: [Double], min: Double?, max: Double?) {
        self.count = count
        self.sum = sum
        self.bucketCounts = bucketCounts
        self.bounds = bounds
        self.min = min
        self.max = max
    }
}
