import CoreMetrics
import LogLineCore
import Synchronization

/// What every metric stream (one name and one set of dimensions) knows of itself.
struct SeriesIdentity: Sendable {
    /// The instrument name.
    var name: String
    /// The unit and description, if the configuration gives them.
    var unit: String
    var description: String
    /// The dimensions, in the order given.
    var attributes: [TelemetryAttribute]
}

/// A metric stream the registry holds and a collection reads: one swift-metrics handler.
protocol MetricSeries: AnyObject, Sendable {
    /// Who it is.
    var identity: SeriesIdentity { get }
    /// Reads the stream at `now`, cumulatively (reading changes nothing; ``DeltaConverter`` makes deltas);
    /// nil for a gauge never set.
    func collect(now: UInt64) -> MetricPoint?
}

/// Adds to a Double held as its bit pattern, without a lock.
private func atomicAdd(_ bits: borrowing Atomic<UInt64>, _ amount: Double) {
    var old = bits.load(ordering: .relaxed)
    while true {
        let new = (Double(bitPattern: old) + amount).bitPattern
        let (exchanged, current) = bits.compareExchange(expected: old, desired: new, ordering: .relaxed)
        if exchanged { return }
        old = current
    }
}

/// Moves a Double held as its bit pattern towards `value` when `better(value, current)`.
private func atomicExtreme(_ bits: borrowing Atomic<UInt64>, _ value: Double, _ better: (Double, Double) -> Bool) {
    var old = bits.load(ordering: .relaxed)
    while better(value, Double(bitPattern: old)) {
        let (exchanged, current) = bits.compareExchange(expected: old, desired: value.bitPattern, ordering: .relaxed)
        if exchanged { return }
        old = current
    }
}

/// A swift-metrics `Counter`: a monotonic integer `Sum`. An increment is one relaxed atomic add; a reset and
/// a read take the stream's own lock, so a read never pairs a reset's new start with the old total.
final class CounterSeries: MetricSeries, CounterHandler {
    let identity: SeriesIdentity
    private let value = Atomic<Int64>(0)
    private let start = Atomic<UInt64>(LogLine.now())
    private let resetting = Mutex(())

    init(identity: SeriesIdentity) { self.identity = identity }

    func increment(by amount: Int64) {
        // A monotonic sum only grows: a negative amount is not a count.
        guard amount > 0 else { return }
        value.wrappingAdd(amount, ordering: .relaxed)
    }

    func reset() {
        resetting.withLock { _ in
            start.store(LogLine.now(), ordering: .relaxed)
            value.store(0, ordering: .relaxed)
        }
    }

    func collect(now: UInt64) -> MetricPoint? {
        let (started, total) = resetting.withLock { _ in (start.load(ordering: .relaxed), value.load(ordering: .relaxed)) }
        return MetricPoint(
            name: identity.name, unit: identity.unit, description: identity.description, kind: .sum(monotonic: true),
            attributes: identity.attributes, startTimeUnixNano: started, timeUnixNano: now, value: .int(total))
    }
}

/// A swift-metrics `FloatingPointCounter`: a monotonic floating-point `Sum`.
final class FloatingPointCounterSeries: MetricSeries, FloatingPointCounterHandler {
    let identity: SeriesIdentity
    private let bits = Atomic<UInt64>(0.0.bitPattern)
    private let start = Atomic<UInt64>(LogLine.now())
    private let resetting = Mutex(())

    init(identity: SeriesIdentity) { self.identity = identity }

    func increment(by amount: Double) {
        guard amount > 0, amount.isFinite else { return }
        atomicAdd(bits, amount)
    }

    func reset() {
        resetting.withLock { _ in
            start.store(LogLine.now(), ordering: .relaxed)
            bits.store(0.0.bitPattern, ordering: .relaxed)
        }
    }

    func collect(now: UInt64) -> MetricPoint? {
        let (started, raw) = resetting.withLock { _ in (start.load(ordering: .relaxed), bits.load(ordering: .relaxed)) }
        let total = Double(bitPattern: raw)
        return MetricPoint(
            name: identity.name, unit: identity.unit, description: identity.description, kind: .sum(monotonic: true),
            attributes: identity.attributes, startTimeUnixNano: started, timeUnixNano: now, value: .double(total))
    }
}

/// A swift-metrics `Gauge` (a recorder that does not aggregate) or `Meter`: a `Gauge`, the last value set
/// (moved by a meter's increments and decrements), as a Double. One atomic holds it, NaN until it is set.
final class GaugeSeries: MetricSeries, RecorderHandler, MeterHandler {
    let identity: SeriesIdentity
    private let bits = Atomic<UInt64>(Double.nan.bitPattern)

    init(identity: SeriesIdentity) { self.identity = identity }

    func record(_ value: Int64) { set(Double(value)) }
    func record(_ value: Double) { set(value) }
    func set(_ value: Int64) { set(Double(value)) }

    func set(_ value: Double) {
        guard !value.isNaN else { return }
        bits.store(value.bitPattern, ordering: .relaxed)
    }

    func increment(by amount: Double) {
        guard amount.isFinite else { return }
        var old = bits.load(ordering: .relaxed)
        while true {
            let current = Double(bitPattern: old)
            let (exchanged, seen) = bits.compareExchange(
                expected: old, desired: ((current.isNaN ? 0 : current) + amount).bitPattern, ordering: .relaxed)
            if exchanged { return }
            old = seen
        }
    }

    func decrement(by amount: Double) { increment(by: -amount) }

    func collect(now: UInt64) -> MetricPoint? {
        let value = Double(bitPattern: bits.load(ordering: .relaxed))
        guard !value.isNaN else { return nil }
        return MetricPoint(
            name: identity.name, unit: identity.unit, description: identity.description, kind: .gauge,
            attributes: identity.attributes, startTimeUnixNano: 0, timeUnixNano: now, value: .double(value))
    }
}

/// A swift-metrics `Recorder` that aggregates, or a `Timer` (in seconds): an explicit-bucket `Histogram`.
///
/// Lock-free: a record is a search of the bounds and four relaxed atomic operations (the bucket, the sum, the
/// minimum and maximum). The count is the buckets' total. A read while values are being recorded may see a
/// value's bucket before its sum; the next read has both. Infinite and NaN values are left out (they would
/// make the sum meaningless for good); once a negative value is recorded, the sum is not reported (the data
/// model's rule: a sum of mixed signs is not a histogram's).
// Safe: `buckets` is allocated once in init, never reassigned, freed in deinit, and its elements are atomics.
final class HistogramSeries: MetricSeries, RecorderHandler, TimerHandler, @unchecked Sendable {
    let identity: SeriesIdentity
    /// The bucket bounds, ascending.
    let bounds: [Double]
    /// What a recorded value is multiplied by (1e-9 for a timer's nanoseconds to seconds).
    private let scale: Double
    private let buckets: UnsafeMutablePointer<Atomic<UInt64>>
    private let sum = Atomic<UInt64>(0.0.bitPattern)
    private let minimum = Atomic<UInt64>(Double.infinity.bitPattern)
    private let maximum = Atomic<UInt64>((-Double.infinity).bitPattern)
    private let start = Atomic<UInt64>(LogLine.now())
    private let sawNegative = Atomic<Bool>(false)

    init(identity: SeriesIdentity, bounds: [Double], scale: Double = 1) {
        self.identity = identity
        self.bounds = bounds
        self.scale = scale
        buckets = .allocate(capacity: bounds.count + 1)
        for index in 0...bounds.count { (buckets + index).initialize(to: Atomic(0)) }
    }

    deinit {
        buckets.deinitialize(count: bounds.count + 1)
        buckets.deallocate()
    }

    func record(_ value: Int64) { add(Double(value) * scale) }
    func record(_ value: Double) { add(value * scale) }
    func recordNanoseconds(_ duration: Int64) { add(Double(duration) * scale) }

    private func add(_ value: Double) {
        guard value.isFinite else { return }
        if value < 0 { sawNegative.store(true, ordering: .relaxed) }
        // The first bound at or above the value (buckets are upper-inclusive); past the last, the overflow bucket.
        var low = 0
        var high = bounds.count
        while low < high {
            let middle = (low + high) / 2
            if value <= bounds[middle] { high = middle } else { low = middle + 1 }
        }
        buckets[low].wrappingAdd(1, ordering: .relaxed)
        atomicAdd(sum, value)
        atomicExtreme(minimum, value, <)
        atomicExtreme(maximum, value, >)
    }

    func collect(now: UInt64) -> MetricPoint? {
        let started = start.load(ordering: .relaxed)
        var counts = [UInt64](repeating: 0, count: bounds.count + 1)
        for index in counts.indices { counts[index] = buckets[index].load(ordering: .relaxed) }
        let total = Double(bitPattern: sum.load(ordering: .relaxed))
        let low = Double(bitPattern: minimum.load(ordering: .relaxed))
        let high = Double(bitPattern: maximum.load(ordering: .relaxed))
        let count = counts.reduce(0, +)
        let value = HistogramValue(
            count: count, sum: sawNegative.load(ordering: .relaxed) ? nil : total, bucketCounts: counts, bounds: bounds, min: count > 0 && low.isFinite ? low : nil,
            max: count > 0 && high.isFinite ? high : nil)
        return MetricPoint(
            name: identity.name, unit: identity.unit, description: identity.description, kind: .histogram,
            attributes: identity.attributes, startTimeUnixNano: started, timeUnixNano: now, value: .histogram(value))
    }

    func preferDisplayUnit(_ unit: TimeUnit) {}
}
