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
    /// Whether counters and histograms are exported as deltas, and the converter that makes them (one read at a time).
    private let deltas: Mutex<DeltaConverter>?
    private let reading = Mutex(())
    private let wake = WakeSignal()
    private let stopped = Atomic<Bool>(false)
    private let finished = WakeSignal()
    private let threadDone = Atomic<Bool>(false)

    /// Creates a reader and starts its thread.
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
        let thread = Thread { [self] in run() }
        thread.name = "otlp-metrics"
        thread.start()
    }

    /// Reads every stream now and exports the points, waiting at most `timeoutSeconds` for the export; true
    /// when it was delivered (or spooled) in time.
    @discardableResult
    public func forceFlush(timeoutSeconds: Double? = nil) -> Bool {
        guard !stopped.load(ordering: .acquiring) else { return true }
        return collectAndExport(timeoutSeconds: timeoutSeconds ?? self.timeoutSeconds)
    }

    /// Stops the thread, reads and exports one last time, and shuts the pipeline down within `timeoutSeconds`.
    /// Later calls do nothing (and return true).
    @discardableResult
    public func shutdown(timeoutSeconds: Double) -> Bool {
        let (first, _) = stopped.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing)
        guard first else { return true }
        wake.signal()
        let deadline = clock.now() + timeoutSeconds
        while !threadDone.load(ordering: .acquiring), clock.now() < deadline { finished.wait(seconds: 0.1) }
        let exported = collectAndExport(timeoutSeconds: max(0.001, deadline - clock.now()))
        let shut = processor?.shutdown(timeoutSeconds: max(0.001, deadline - clock.now())) ?? true
        return exported && shut
    }

    /// Stops the thread, reads a last time, and writes everything pending to the spool without touching the
    /// network: for a process that must exit now.
    public func spoolNow() {
        stopped.store(true, ordering: .releasing)
        wake.signal()
        guard let processor else { return }
        reading.withLock { _ in
            let cumulative = factory.collect()
            for point in deltas?.withLock({ $0.deltas(cumulative) }) ?? cumulative { processor.add(point) }
        }
        processor.spoolNow()
    }

    /// What has become of the data points so far; nil without the OTLP pipeline.
    public var counters: DeliveryCounters? { processor?.counters }

    private func run() {
        var next = clock.now() + intervalSeconds
        while !stopped.load(ordering: .acquiring) {
            clock.wait(for: wake, until: next)
            if stopped.load(ordering: .acquiring) { break }
            guard clock.now() >= next else { continue }
            collectAndExport(timeoutSeconds: timeoutSeconds)
            next = clock.now() + intervalSeconds
        }
        threadDone.store(true, ordering: .releasing)
        finished.signal()
    }

    /// One read: the points (as deltas when asked) to every output. Reads are one at a time, so deltas and
    /// the processor's order follow the reads'.
    @discardableResult
    private func collectAndExport(timeoutSeconds: Double) -> Bool {
        let points: [MetricPoint] = reading.withLock { _ in
            let cumulative = factory.collect()
            let points = deltas?.withLock { $0.deltas(cumulative) } ?? cumulative
            if let processor { for point in points { processor.add(point) } }
            return points
        }
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
            line += " count=\(histogram.count) sum=\(histogram.sum)"
            if let min = histogram.min, let max = histogram.max { line += " min=\(min) max=\(max)" }
            line += " buckets=" + zip(histogram.bounds.map { "≤\($0)" } + ["+Inf"], histogram.bucketCounts)
                .filter { $0.1 > 0 }.map { "\($0.0):\($0.1)" }.joined(separator: ",")
        }
        if !point.unit.isEmpty { line += " " + VisibleText.escape(point.unit) }
        return line
    }
}
