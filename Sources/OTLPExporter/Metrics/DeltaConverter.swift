/// Turns cumulative points into delta points (what each stream gained since the last read), for a reader
/// whose temporality is delta: the streams stay cumulative, so a read never races a record, and a reader
/// that wants totals (a summary) reads them as they are.
///
/// Per the specification's "delta" preference: counters and histograms become deltas; gauges and
/// up-down sums stay as they are. A stream without recordings since the last read is left out. A delta
/// histogram has no min or max (the interval's are not known).
@_spi(Pipeline) public struct DeltaConverter: Sendable {
    private var last: [String: (start: UInt64, time: UInt64, value: MetricPoint.Value)] = [:]

    /// Creates a converter that has seen nothing.
    public init() {}

    /// The deltas of `points` since the previous call.
    public mutating func deltas(_ points: [MetricPoint]) -> [MetricPoint] {
        var result: [MetricPoint] = []
        result.reserveCapacity(points.count)
        for point in points {
            switch point.kind {
            case .gauge, .sum(monotonic: false):
                result.append(point)
                continue
            case .sum(monotonic: true), .histogram:
                break
            }
            let key = Self.key(point)
            let previous = last[key]
            var delta = point
            delta.isDelta = true
            // A stream restarted (reset) since the last read counts from its new start.
            if let previous, previous.start == point.startTimeUnixNano {
                delta.startTimeUnixNano = previous.time
                delta.value = Self.difference(point.value, previous.value)
            }
            // Nothing recorded since: no point, and the last read stays the base (a value whose bucket came
            // before its sum is then whole in the next delta).
            if Self.isEmpty(delta.value) { continue }
            last[key] = (point.startTimeUnixNano, point.timeUnixNano, point.value)
            result.append(delta)
        }
        return result
    }

    private static func key(_ point: MetricPoint) -> String {
        var key = point.name + (point.kind == .histogram ? "\u{1D}h" : "\u{1D}s")
        for attribute in point.attributes { key += "\u{1F}\(attribute.key)\u{1E}\(attribute.value)" }
        return key
    }

    private static func difference(_ current: MetricPoint.Value, _ previous: MetricPoint.Value) -> MetricPoint.Value {
        switch (current, previous) {
        case (.int(let now), .int(let then)): return .int(now &- then)
        case (.double(let now), .double(let then)): return .double(now - then)
        case (.histogram(let now), .histogram(let then)) where now.bounds == then.bounds:
            return .histogram(HistogramValue(
                count: now.count &- then.count, sum: now.sum.flatMap { sum in then.sum.map { sum - $0 } },
                bucketCounts: zip(now.bucketCounts, then.bucketCounts).map { $0 &- $1 }, bounds: now.bounds, min: nil, max: nil))
        default: return current
        }
    }

    private static func isEmpty(_ value: MetricPoint.Value) -> Bool {
        switch value {
        case .int(let number): number == 0
        case .double(let number): number == 0
        case .histogram(let histogram): histogram.count == 0
        }
    }
}
