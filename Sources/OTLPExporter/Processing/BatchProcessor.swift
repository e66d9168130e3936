import Foundation
import Synchronization

/// Batches items off the caller's path and ships them: a bounded queue, one export at a time on its own
/// thread, every item either delivered or appended to the fallback file.
///
/// - The hot path (``add(_:)``) appends under a short lock and returns; it never waits on the network or disk.
/// - A batch is exported when ``BatchConfiguration/maxExportBatchSize`` items wait, when the oldest has waited
///   ``BatchConfiguration/scheduledDelaySeconds``, on ``forceFlush(timeoutSeconds:)`` and at ``shutdown(timeoutSeconds:)``.
/// - When the queue is full, its items are moved whole to a spill list that the worker writes to the
///   fallback file first; when the spill list is full too (16 full queues behind), the caller writes the full
///   queue to the fallback file itself. Nothing is dropped and memory stays bounded; only sustained overload
///   makes a caller touch the disk.
/// - A batch that no exporter delivers (collector down, retries spent, a rejection) goes to the fallback file.
public final class BatchProcessor<Item: Sendable>: Sendable {
    /// The most full queues held for the fallback file before items are dropped.
    public static var maxSpills: Int { 16 }

    private struct State {
        var queue: [Item] = []
        var spills: [[Item]] = []
        var oldest: Double?
        var flushRequested = 0
        var flushCompleted = 0
        var shuttingDown = false
        var stopped = false
        var dropped = 0
        var exporting = false
    }

    /// The signal, for messages.
    public let signal: OTLPSignal
    /// The limits.
    public let configuration: BatchConfiguration
    private let encode: @Sendable ([Item]) -> [UInt8]
    private let exporters: [any BatchExporter]
    private let fallback: JSONLFile?
    private let clock: any OTLPClock
    private let report: @Sendable (String) -> Void
    private let condition = ConditionBox()
    private let state = Mutex(State())
    private let tally = Mutex(Counters())

    /// What happened to items so far.
    public struct Counters: Sendable, Equatable {
        /// Items every exporter accepted.
        public var delivered = 0
        /// Items written to the fallback file.
        public var fellBack = 0
        /// Items lost (the spill list and the fallback both failed).
        public var dropped = 0

        /// Creates counters.
        public init(delivered: Int = 0, fellBack: Int = 0, dropped: Int = 0) {
            self.delivered = delivered
            self.fellBack = fellBack
            self.dropped = dropped
        }
    }

    /// Creates a processor and starts its thread.
    /// - Parameters:
    ///   - encode: turns a batch into one OTLP/JSON document.
    ///   - exporters: where batches go; a batch counts as delivered when every exporter delivered it.
    ///   - fallback: where undelivered batches go; nil to report and drop them.
    ///   - report: receives one-line warnings (a failure, where the items went and how many).
    public init(
        signal: OTLPSignal, configuration: BatchConfiguration, encode: @escaping @Sendable ([Item]) -> [UInt8],
        exporters: [any BatchExporter], fallback: JSONLFile?, clock: any OTLPClock = SystemOTLPClock(),
        report: @escaping @Sendable (String) -> Void
    ) {
        self.signal = signal
        self.configuration = configuration
        self.encode = encode
        self.exporters = exporters
        self.fallback = fallback
        self.clock = clock
        self.report = report
        let thread = Thread { [self] in run() }
        thread.name = "otlp-\(signal.rawValue)"
        thread.start()
    }

    /// Takes an item; returns at once, except under overload (see the type's documentation).
    public func add(_ item: Item) {
        let (wake, overflow): (Bool, [Item]?) = state.withLock { state in
            guard !state.stopped else {
                state.dropped += 1
                return (false, nil)
            }
            var overflow: [Item]?
            if state.queue.count >= configuration.maxQueueSize {
                if state.spills.count < Self.maxSpills {
                    state.spills.append(state.queue)
                } else {
                    overflow = state.queue
                }
                state.queue.removeAll(keepingCapacity: true)
            }
            if state.queue.isEmpty { state.oldest = clock.now() }
            state.queue.append(item)
            return (state.queue.count == configuration.maxExportBatchSize || !state.spills.isEmpty, overflow)
        }
        if let overflow {
            // The worker is 16 full queues behind: rather than drop, the caller writes this queue to the
            // fallback file itself. Only sustained overload reaches this path; memory stays bounded.
            writeFallback(overflow, reason: "the exporter is \(Self.maxSpills) full queues behind")
        }
        if wake { condition.signal() }
    }

    /// Exports everything added before the call; waits at most `timeoutSeconds`. Returns true when done in time.
    @discardableResult
    public func forceFlush(timeoutSeconds: Double) -> Bool {
        let ticket: Int = state.withLock { state in
            state.flushRequested += 1
            return state.flushRequested
        }
        condition.signal()
        let deadline = clock.now() + timeoutSeconds
        while true {
            let done = state.withLock { $0.flushCompleted >= ticket || $0.stopped }
            if done { return true }
            let remaining = deadline - clock.now()
            if remaining <= 0 { return false }
            condition.wait(seconds: min(remaining, 0.05))
        }
    }

    /// Stops taking items, exports what is queued within `timeoutSeconds` (what cannot be delivered by then
    /// goes to the fallback file), and stops the thread. Later calls do nothing.
    public func shutdown(timeoutSeconds: Double) {
        let first = state.withLock { state -> Bool in
            defer { state.shuttingDown = true }
            return !state.shuttingDown
        }
        guard first else { return }
        shutdownDeadline.withLock { $0 = clock.now() + timeoutSeconds }
        condition.signal()
        let deadline = clock.now() + timeoutSeconds + 1
        while !state.withLock({ $0.stopped }) {
            let remaining = deadline - clock.now()
            if remaining <= 0 { break }
            condition.wait(seconds: min(remaining, 0.05))
        }
        let dropped = state.withLock { $0.dropped }
        if dropped > 0 { report("OTLP \(signal.rawValue): \(dropped) \(signal.itemName) arrived after shutdown and were not exported") }
    }

    /// What happened to items so far.
    public var counters: Counters { tally.withLock { $0 } }

    private let shutdownDeadline = Mutex<Double?>(nil)

    // MARK: - The worker

    private func run() {
        while true {
            let work: (spills: [[Item]], batch: [Item], flushTicket: Int?, finishing: Bool, dropped: Int)? = nextWork()
            guard let work else { break }
            for spill in work.spills {
                writeFallback(spill, reason: "the queue was full (\(configuration.maxQueueSize) \(signal.itemName))")
            }
            if work.dropped > 0 {
                tally.withLock { $0.dropped += work.dropped }
                report("OTLP \(signal.rawValue): dropped \(work.dropped) \(signal.itemName) that arrived after the exporter stopped")
            }
            if !work.batch.isEmpty { export(work.batch) }
            let idle = state.withLock { state -> Bool in
                state.exporting = false
                if let ticket = work.flushTicket, state.queue.isEmpty, state.spills.isEmpty { state.flushCompleted = max(state.flushCompleted, ticket) }
                if work.finishing, state.queue.isEmpty, state.spills.isEmpty {
                    state.stopped = true
                    return true
                }
                return false
            }
            condition.signal()
            if idle { break }
        }
        condition.signal()
    }

    /// Waits for something to do and takes it.
    private func nextWork() -> (spills: [[Item]], batch: [Item], flushTicket: Int?, finishing: Bool, dropped: Int)? {
        while true {
            let taken: (spills: [[Item]], batch: [Item], flushTicket: Int?, finishing: Bool, dropped: Int)?? = state.withLock { state in
                let due = state.oldest.map { clock.now() - $0 >= configuration.scheduledDelaySeconds } ?? false
                let flushing = state.flushRequested > state.flushCompleted
                let ready = state.queue.count >= configuration.maxExportBatchSize || !state.spills.isEmpty || due || flushing
                    || state.shuttingDown || state.dropped > 0
                guard ready else { return .some(nil) }
                let spills = state.spills
                state.spills = []
                let count = min(configuration.maxExportBatchSize, state.queue.count)
                let batch = Array(state.queue.prefix(count))
                state.queue.removeFirst(count)
                state.oldest = state.queue.isEmpty ? nil : clock.now()
                let dropped = state.dropped
                state.dropped = 0
                state.exporting = true
                let ticket = flushing ? state.flushRequested : nil
                return (spills, batch, ticket, state.shuttingDown, dropped)
            }
            if let work = taken ?? nil { return work }
            condition.wait(seconds: min(max(configuration.scheduledDelaySeconds / 4, 0.01), 0.25))
        }
    }

    private func export(_ items: [Item]) {
        let batch = EncodedBatch(signal: signal, json: encode(items), itemCount: items.count)
        var deadline = clock.now() + configuration.exportTimeoutSeconds
        if let shutdown = shutdownDeadline.withLock({ $0 }) { deadline = min(deadline, shutdown) }
        var failures: [String] = []
        for exporter in exporters {
            if case .failed(let reason) = exporter.export(batch, deadline: deadline) { failures.append("\(exporter.destination): \(reason)") }
        }
        if failures.isEmpty {
            tally.withLock { $0.delivered += items.count }
        } else {
            writeFallback(batch, reason: failures.joined(separator: "; "))
        }
    }

    private func writeFallback(_ items: [Item], reason: String) {
        writeFallback(EncodedBatch(signal: signal, json: encode(items), itemCount: items.count), reason: reason)
    }

    private func writeFallback(_ batch: EncodedBatch, reason: String) {
        guard let fallback else {
            tally.withLock { $0.dropped += batch.itemCount }
            report("OTLP \(signal.rawValue): \(batch.itemCount) \(signal.itemName) not delivered (\(reason)) and no fallback file is set: they are lost")
            return
        }
        if let failure = fallback.append(batch.json) {
            tally.withLock { $0.dropped += batch.itemCount }
            report("OTLP \(signal.rawValue): \(batch.itemCount) \(signal.itemName) not delivered (\(reason)) and the fallback file \(fallback.path) failed: \(failure)")
            return
        }
        tally.withLock { $0.fellBack += batch.itemCount }
        report("OTLP \(signal.rawValue): \(batch.itemCount) \(signal.itemName) not delivered (\(reason)); written to \(fallback.path)")
    }
}

/// A condition variable for the worker and the waiters; NSCondition is thread-safe by design.
final class ConditionBox: @unchecked Sendable {
    // Safe: NSCondition is a lock; every use goes through its own lock/unlock.
    private let condition = NSCondition()

    func signal() {
        condition.lock()
        condition.signal()
        condition.unlock()
    }

    func broadcast() { signal() }

    func wait(seconds: Double) {
        condition.lock()
        _ = condition.wait(until: Date(timeIntervalSinceNow: seconds))
        condition.unlock()
    }
}

extension BatchProcessor: SpanProcessor where Item == SpanData {
    public func onEnd(_ span: SpanData) { add(span) }

    public func forceFlush(timeoutSeconds: Double) { _ = forceFlush(timeoutSeconds: timeoutSeconds) as Bool }
}
