import Foundation
import JSONWriting
import LogLineCore
import Synchronization

/// Reads an ``OTLPMetricsFactory`` every interval on its own thread and hands the points to its outputs: the
/// OTLP batch processor (gzip, libcurl, retries and the spool, as for spans and logs) and the console. Also
/// read on `forceFlush` and at `shutdown`, so a short run's metrics are exported once, at its end.
@_spi(Pipeline) public final class PeriodicMetricReader: Sendable {
    /// The backend read.
    public let factory: OTLPMetricsFactory
    /// Seconds between reads.
    public let intervalSeconds: Double
    /// The longest one export may take, in seconds.
    public let timeoutSeconds: Double
    /// The OTLP pipeline, if metrics go to a collector.
    public let processor: BatchProcessor<MetricPoint>?
    private let console: (@Sendable (String) -> Void)?
    private let clock: any OTLPClock
    /// Whether counters and histograms are exported as deltas, and the converter that makes them.
    private let deltas: Mutex<DeltaConverter>?
    /// Held for each read; true once the last read (shutdown's or spoolNow's) is done: none comes after it.
    private let reading = Mutex(false)
    private let wake = WakeSignal()
    private let stopped = Atomic<Bool>(false)

    /// Creates a reader and starts its thread (which holds the reader weakly: a reader nobody keeps stops).
    /// - Parameters:
    ///   - console: receives one line per data point, if metrics are printed.
    public init(
        factory: OTLPMetricsFactory, intervalSeconds: Double, timeoutSeconds: Double, delta: Bool, processor: BatchProcessor<MetricPoint>?,
        console: (@Sendable (String) -> Void)? = nil, clock: any OTLPClock = SystemOTLPClock()
    ) {
        self.factory = factory
        self.intervalSeconds = max(0.001, intervalSeconds)
        self.timeoutSeconds = timeoutSeconds
        self.processor = processor
        self.console = console
        self.clock = clock
        deltas = delta ? Mutex(DeltaConverter()) : nil
        let thread = Thread { [weak self, wake, clock, interval = self.intervalSeconds] in
            var next = clock.now() + interval
            while true {
                clock.wait(for: wake, until: next)
                guard let reader = self, !reader.stopped.load(ordering: .acquiring) else { return }
                guard clock.now() >= next else { continue }
                reader.collectAndExport(timeoutSeconds: reader.timeoutSeconds)
                next = clock.now() + interval
            }
        }
        thread.name = "otlp-metrics"
        thread.start()
    }

    deinit {
        stopped.store(true, ordering: .releasing)
        wake.signal()
    }

    /// Reads every stream now and exports the points, waiting at most `timeoutSeconds` for the export; true
    /// when it was delivered (or spooled) in time. After shutdown it does nothing (and returns true).
    @discardableResult
    public func forceFlush(timeoutSeconds: Double? = nil) -> Bool {
        collectAndExport(timeoutSeconds: timeoutSeconds ?? self.timeoutSeconds)
    }

    /// Stops the thread, reads and exports one last time at once (the thread's export under way, if any, is
    /// not waited for), and shuts the pipeline down within `timeoutSeconds`. Later calls do nothing (and
    /// return true).
    @discardableResult
    public func shutdown(timeoutSeconds: Double) -> Bool {
        let (first, _) = stopped.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing)
        guard first else { return true }
        wake.signal()
        let deadline = clock.now() + timeoutSeconds
        let exported = collectAndExport(timeoutSeconds: timeoutSeconds, last: true)
        let shut = processor?.shutdown(timeoutSeconds: max(0.001, deadline - clock.now())) ?? true
        return exported && shut
    }

    /// Stops the thread, reads a last time, and writes everything pending to the spool without touching the
    /// network: for a process that must exit now.
    public func spoolNow() {
        stopped.store(true, ordering: .releasing)
        wake.signal()
        guard let processor else { return }
        _ = read(last: true)
        processor.spoolNow()
    }

    /// What has become of the data points so far; nil without the OTLP pipeline.
    public var counters: DeliveryCounters? { processor?.counters }

    /// One read: the points (as deltas when asked) to the processor and the console, in read order; nil after
    /// the last read. With `last`, no read comes after this one.
    private func read(last: Bool) -> [MetricPoint]? {
        reading.withLock { done in
            guard !done else { return nil }
            if last { done = true }
            let cumulative = factory.collect()
            let points = deltas?.withLock { $0.deltas(cumulative) } ?? cumulative
            if let processor { for point in points { processor.add(point) } }
            return points
        }
    }

    /// A read, then its export (waiting at most `timeoutSeconds`); true when delivered or spooled in time.
    @discardableResult
    private func collectAndExport(timeoutSeconds: Double, last: Bool = false) -> Bool {
        guard let points = read(last: last) else { return true }
        if let console { for point in points { console(Self.line(point)) } }
        guard let processor, !points.isEmpty else { return true }
        return processor.forceFlush(timeoutSeconds: timeoutSeconds)
    }

    /// A point on one line: `metric <name>{<dimensions>} <value>` (a histogram's count, sum and buckets).
    static func line(_ point: MetricPoint) -> String {
        var line = "metric " + VisibleText.escape(point.name)
        if !point.attributes.isEmpty {
            line += "{" + point.attributes.map { "\(VisibleText.escape($0.key))=\(VisibleText.escape(ConsoleSpanPrinter.text($0.value)))" }
                .joined(separator: ",") + "}"
        }
        switch point.value {
        case .int(let number): line += " \(number)"
        case .double(let number): line += " \(number)"
        case .histogram(let histogram):
            line += " count=\(histogram.count)" + (histogram.sum.map { " sum=\($0)" } ?? "")
            if let min = histogram.min, let max = histogram.max { line += " min=\(min) max=\(max)" }
            line += " buckets=" + zip(histogram.bounds.map { "≤\($0)" } + ["+Inf"], histogram.bucketCounts)
                .filter { $0.1 > 0 }.map { "\($0.0):\($0.1)" }.joined(separator: ",")
        }
        if !point.unit.isEmpty { line += " " + VisibleText.escape(point.unit) }
        return line
    }
}
