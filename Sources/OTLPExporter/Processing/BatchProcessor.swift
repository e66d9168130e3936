import Foundation
import Synchronization

/// Batches items off the caller's path and delivers them: a bounded queue, one export at a time on its own
/// thread, and an on-disk ``Spool`` for what cannot be sent now, which the same thread drains by itself.
///
/// - The hot path (``add(_:)``) appends under a short lock and returns; it never waits on the network.
/// - A batch is exported when ``BatchConfiguration/maxExportBatchSize`` items wait, when the oldest has waited
///   ``BatchConfiguration/scheduledDelaySeconds``, on `forceFlush(timeoutSeconds:)` and at `shutdown(timeoutSeconds:)`.
/// - When the queue is full, only the items that do not fit go to an overflow list (up to
///   ``maxOverflowBatches`` batches), which the worker writes to the spool before its next export. Only when
///   that is full too does the caller write the overflow to the spool itself: memory stays bounded and
///   nothing is dropped.
/// - A batch the collector cannot take now (unreachable, retries spent) is spooled; the collector is then
///   probed in the background (see ``CollectorAvailability``) and batches go straight to the spool until it
///   answers. Whenever the queue holds less than a batch and the collector is up, the worker sends the
///   spool's oldest batches, during the run and at shutdown until its deadline.
/// - A batch the collector refuses for good (400 and the like) is kept in the spool's rejected file, never
///   sent again.
@_spi(Pipeline) public final class BatchProcessor<Item: Sendable>: Sendable {
    /// The most batches of overflow held in memory for the spool before the caller writes them itself.
    public static var maxOverflowBatches: Int { 16 }

    private struct State {
        var queue: [Item] = []
        var overflow: [Item] = []
        var oldest: Double?
        var flushRequested = 0
        var flushCompleted = 0
        var shuttingDown = false
        var stopped = false
        var late = 0
    }

    /// What happened to items so far.
    public typealias Counters = DeliveryCounters

    /// The signal, for messages.
    public let signal: OTLPSignal
    /// The limits.
    public let configuration: BatchConfiguration
    /// Where undeliverable batches wait; nil to report and lose them.
    public let spool: Spool?
    /// Whether every batch is written to the spool before it is sent (see the initializer's `durable`).
    public let durable: Bool
    private let encode: @Sendable ([Item]) -> [UInt8]
    private let countSpooled: @Sendable ([UInt8]) -> Int
    private let exporter: any BatchExporter
    private let copies: [any BatchExporter]
    private let availability: CollectorAvailability
    private let clock: any OTLPClock
    private let report: @Sendable (String) -> Void
    private let label: String
    private let wake = WakeSignal()
    private let progress = WakeSignal()
    private let state = Mutex(State())
    private let tally = Mutex(Counters())
    /// Whether a refusal by the destination was said (later ones are counted only).
    private let refusalSaid = Atomic<Bool>(false)
    private let inFlight = Mutex<[Item]?>(nil)
    private let deliverItems: (@Sendable ([Item], Double) -> ExportOutcome)?
    private let shutdownDeadline = Mutex<Double?>(nil)
    private let spoolFullReported = Atomic<Bool>(false)
    /// Set by the worker as its very last act, once the spool is synced and released.
    private let workerFinished = Atomic<Bool>(false)
    /// Where the pipeline's own health is counted, if anywhere.
    private let metrics: DeliveryMetrics?

    /// Creates a processor and starts its thread.
    /// - Parameters:
    ///   - signal: spans or log records.
    ///   - configuration: the queue, batch, delay and timeout limits.
    ///   - encode: turns a batch into one OTLP/JSON document.
    ///   - exporter: where batches are delivered (a collector, or a file).
    ///   - copies: where each batch is also written once, such as a JSONL dump; their failures are counted
    ///     and reported, and do not make a batch undelivered.
    ///   - spool: where batches that cannot be delivered now wait; nil to report and lose them.
    ///   - availability: the collector's shared state (one per collector, for all signals); a private one when nil.
    ///   - durable: write every batch to the spool before sending it, and send it from there (one try of at
    ///     most a second each time), so a process killed outright (SIGKILL, a crash) loses no batch it had
    ///     formed; only items still waiting in the queue (at most one schedule delay's worth, or about a
    ///     second of items while a send is under way) are at risk. Costs a write of each batch to disk.
    ///     Needs a spool; off by default.
    ///   - deliverItems: delivers a live batch as items, with its deadline, instead of encoding it for
    ///     `exporter` (a database takes rows, not JSON); `exporter` then only gets batches read back from
    ///     the spool, and items are encoded only when they must go to disk.
    ///   - countSpooled: the items in a document read back from the spool; by default counted as this
    ///     package's OTLP/JSON encoder writes them (see ``EncodedBatch/init(spooled:signal:)``).
    ///   - clock: the time and the waits (a manual one in tests).
    ///   - label: what starts its messages ("OTLP traces" by default).
    ///   - metrics: where the pipeline counts what became of its items, its exports' durations and its
    ///     queue (see ``DeliveryMetrics``); nil for nowhere.
    ///   - report: receives one-line warnings.
    public init(
        signal: OTLPSignal, configuration: BatchConfiguration, encode: @escaping @Sendable ([Item]) -> [UInt8],
        countSpooled: (@Sendable ([UInt8]) -> Int)? = nil, deliverItems: (@Sendable ([Item], Double) -> ExportOutcome)? = nil,
        exporter: any BatchExporter, copies: [any BatchExporter] = [], spool: Spool?, durable: Bool = false,
        availability: CollectorAvailability? = nil, clock: any OTLPClock = SystemOTLPClock(), label: String? = nil,
        metrics: DeliveryMetrics? = nil, report: @escaping @Sendable (String) -> Void
    ) {
        self.metrics = metrics
        self.signal = signal
        self.configuration = configuration
        self.encode = encode
        self.deliverItems = deliverItems
        self.countSpooled = countSpooled ?? { EncodedBatch(spooled: $0, signal: signal).itemCount }
        self.exporter = exporter
        self.copies = copies
        self.spool = spool
        self.durable = durable
        self.availability = availability ?? CollectorAvailability(name: "the collector at \(exporter.destination)", report: report)
        self.label = label ?? "OTLP \(signal.rawValue)"
        self.clock = clock
        self.report = report
        let thread = Thread { [self] in run() }
        thread.name = "otlp-\(signal.rawValue)"
        thread.start()
    }

    /// Takes an item; returns at once, except under overload (see the type's documentation).
    public func add(_ item: Item) {
        let (signalWorker, overflow): (Bool, [Item]?) = state.withLock { state in
            guard !state.stopped else {
                state.late += 1
                return (false, nil)
            }
            if state.queue.count < configuration.maxQueueSize {
                if state.queue.isEmpty { state.oldest = clock.now() }
                state.queue.append(item)
                return (state.queue.count == configuration.maxExportBatchSize, nil)
            }
            var full: [Item]?
            if state.overflow.count >= Self.maxOverflowBatches * configuration.maxExportBatchSize {
                full = state.overflow
                state.overflow.removeAll(keepingCapacity: true)
            }
            state.overflow.append(item)
            return (state.overflow.count == 1, full)
        }
        if let overflow {
            // The worker is far behind even its spool writes: rather than drop, the caller writes the
            // overflow to the spool itself. Only sustained overload reaches this path.
            spill(overflow)
        }
        if signalWorker { wake.signal() }
    }

    /// Delivers or spools everything added before the call; waits at most `timeoutSeconds`. Returns true
    /// when done in time.
    @discardableResult
    public func forceFlush(timeoutSeconds: Double) -> Bool {
        let ticket: Int = state.withLock { state in
            state.flushRequested += 1
            return state.flushRequested
        }
        wake.signal()
        let deadline = clock.now() + timeoutSeconds
        while true {
            let done = state.withLock { $0.flushCompleted >= ticket || $0.stopped }
            if done { return true }
            let remaining = deadline - clock.now()
            if remaining <= 0 { return false }
            progress.wait(seconds: min(remaining, 1))
        }
    }

    /// Stops taking items, delivers what is queued, and sends what the spool holds, within `timeoutSeconds`;
    /// what cannot be delivered by then stays in the spool. A collector known to be down is not tried: the
    /// queue goes straight to the spool. Returns false when the worker was still busy a second past the
    /// deadline (stuck in a request): what it held was then spooled, and the caller should not wait on
    /// what the worker uses. Later calls do nothing (and return true).
    @discardableResult
    public func shutdown(timeoutSeconds: Double) -> Bool {
        let first = state.withLock { state -> Bool in
            defer { state.shuttingDown = true }
            return !state.shuttingDown
        }
        guard first else { return true }
        shutdownDeadline.withLock { $0 = clock.now() + timeoutSeconds }
        wake.signal()
        let deadline = clock.now() + timeoutSeconds + 1
        while !workerFinished.load(ordering: .acquiring) {
            let remaining = deadline - clock.now()
            if remaining <= 0 {
                // The worker is stuck past its deadline: keep what it still holds.
                spoolNow()
                let spooled = counters.spooled
                report("\(label): not done by the deadline (\(exporter.destination) is slow to answer); what was pending is in \(spool?.directory ?? "no spool") (\(spooled) \(signal.itemName) spooled in all)")
                return false
            }
            progress.wait(seconds: min(remaining, 1))
        }
        return true
    }

    /// Writes everything pending to the spool at once, without touching the network, and stops taking
    /// items: for a process that must exit now (a second Ctrl-C). The batch being sent, if any, is spooled
    /// too, so it may arrive twice (at least once, never lost). A local destination (a JSONL file) and the
    /// copies get the pending items as usual: writing a file is quick.
    public func spoolNow() {
        let (queue, overflow) = state.withLock { state -> ([Item], [Item]) in
            defer {
                state.queue = []
                state.overflow = []
                state.shuttingDown = true
                state.stopped = true
            }
            return (state.queue, state.overflow)
        }
        if let items = inFlight.withLock({ $0 }), !exporter.isLocal || deliverItems != nil {
            keep(EncodedBatch(signal: signal, json: encode(items), itemCount: items.count), reason: "the process is exiting")
        }
        var start = 0
        let pending = overflow + queue
        while start < pending.count {
            let end = min(pending.count, start + configuration.maxExportBatchSize)
            let batch = EncodedBatch(signal: signal, json: encode(Array(pending[start..<end])), itemCount: end - start)
            for copy in copies { writeCopy(batch, to: copy) }
            if exporter.isLocal, exporter.export(batch, deadline: clock.now() + 1) == .delivered {
                count { $0.delivered += batch.itemCount }
            } else {
                keep(batch, reason: "the process is exiting")
            }
            start = end
        }
        spool?.sync()
        wake.signal()
    }

    /// Updates the tally, and counts the change in ``DeliveryMetrics``.
    private func count(_ update: (inout Counters) -> Void) {
        let (before, after) = tally.withLock { counters in
            let before = counters
            update(&counters)
            return (before, counters)
        }
        metrics?.record(from: before, to: after)
    }

    /// What happened to items so far.
    public var counters: Counters {
        // Items added after the worker stopped are lost too: they are counted here, since no worker is left
        // to move them into the tally.
        let pending = state.withLock { $0.late }
        var counters = tally.withLock { $0 }
        counters.lost += pending
        return counters
    }

    // MARK: - The worker

    private struct Work {
        var overflow: [Item]
        var batch: [Item]
        var flushTicket: Int?
        var finishing: Bool
        var late: Int
    }

    private func run() {
        var segment: SpoolSegment?
        var spoolPending = spool?.hasSegments ?? false
        // When segments are on disk but none can be opened now (another process holds them, or opening
        // failed), the spool is looked at again a moment later rather than given up on for the run.
        var drainNotBefore = 0.0
        // At shutdown a collector known to be down gets one short last probe (a refused connection costs
        // milliseconds), so a collector that came back is not missed; after that nothing more is tried.
        var finalProbeDone = false
        func probeMode(_ finishing: Bool) -> ProbeMode {
            guard finishing, availability.isDown else { return .normal }
            defer { finalProbeDone = true }
            return finalProbeDone ? .none : .final
        }
        while true {
            let drainable = spool != nil && spoolPending
            guard let work = nextWork(drainable: drainable, notBefore: drainNotBefore) else { break }
            if let metrics { metrics.queue(size: state.withLock { $0.queue.count + $0.overflow.count }, capacity: configuration.maxQueueSize) }
            if !work.overflow.isEmpty {
                spill(work.overflow)
                spoolPending = true
            }
            if work.late > 0 {
                count { $0.lost += work.late }
                report("\(label): \(work.late) \(signal.itemName) arrived after the exporter stopped and were not exported")
            }
            var sendFromSpool = work.batch.isEmpty && drainable && clock.now() >= drainNotBefore
            if !work.batch.isEmpty {
                if durable, writeAhead(work.batch) {
                    spoolPending = true
                    sendFromSpool = true
                } else if sendLive(work.batch, probe: probeMode(work.finishing)) == .unavailable {
                    spoolPending = true
                }
            }
            if sendFromSpool, let spool {
                if segment == nil { segment = spool.oldestPending() }
                if let current = segment, let line = current.current {
                    if !current.currentIsOTLP {
                        setAside(malformed: line, from: current.path)
                        current.acknowledge()
                    } else {
                        let batch = EncodedBatch(signal: signal, json: line, itemCount: countSpooled(line))
                        let outcome = deliver(itemCount: batch.itemCount, inFlight: nil, probe: probeMode(work.finishing), encoded: Lazy { batch }) {
                            exporter.export(batch, deadline: $0)
                        }
                        if outcome != .unavailable { current.acknowledge() }
                    }
                    if current.current == nil { segment = nil }
                } else {
                    segment = nil
                    // At shutdown, segments another process holds are left to it: no waiting on them.
                    if !work.finishing, spool.hasSegments {
                        drainNotBefore = clock.now() + Self.drainRetrySeconds
                    } else {
                        spoolPending = false
                    }
                }
            }
            let stop = state.withLock { state -> Bool in
                if let ticket = work.flushTicket, state.queue.isEmpty, state.overflow.isEmpty {
                    state.flushCompleted = max(state.flushCompleted, ticket)
                }
                guard work.finishing, state.queue.isEmpty, state.overflow.isEmpty else { return false }
                let canDrain = spool != nil && spoolPending && (!availability.isDown || !finalProbeDone) && !pastShutdownDeadline()
                if !canDrain { state.stopped = true }
                return !canDrain
            }
            progress.broadcast()
            if stop { break }
        }
        // What is left is on disk, and its segment released for whichever process drains it next.
        spool?.sync()
        spool?.close()
        workerFinished.store(true, ordering: .releasing)
        progress.broadcast()
    }

    /// Waits for something to do and takes it. With `drainable`, an idle worker returns at once (to send
    /// spooled batches) unless the collector is down and its next probe is not due, or the spool is not to
    /// be looked at again before `notBefore`.
    private func nextWork(drainable: Bool, notBefore: Double) -> Work? {
        while true {
            let now = clock.now()
            let probeAt = availability.nextProbe
            let canDrain = drainable && now >= notBefore && (probeAt.map { now >= $0 } ?? true)
            let taken: Work?? = state.withLock { state in
                if state.stopped { return .some(nil) }
                let due = state.oldest.map { now - $0 >= configuration.scheduledDelaySeconds } ?? false
                let flushing = state.flushRequested > state.flushCompleted
                let fullBatch = state.queue.count >= configuration.maxExportBatchSize
                let ready = fullBatch || !state.overflow.isEmpty || due || flushing || state.shuttingDown || state.late > 0 || canDrain
                guard ready else { return .none }
                let overflow = state.overflow
                state.overflow = []
                // An idle worker sends spooled batches first; a partial batch waits its delay.
                let exportNow = fullBatch || due || flushing || state.shuttingDown
                let count = exportNow ? min(configuration.maxExportBatchSize, state.queue.count) : 0
                let batch = Array(state.queue.prefix(count))
                state.queue.removeFirst(count)
                if count > 0 { state.oldest = state.queue.isEmpty ? nil : now }
                let late = state.late
                state.late = 0
                return .some(Work(
                    overflow: overflow, batch: batch, flushTicket: flushing ? state.flushRequested : nil,
                    finishing: state.shuttingDown, late: late))
            }
            if let taken { return taken }
            // Sleep until the oldest item is due, the next probe, or a wake-up.
            let oldest = state.withLock { $0.oldest }
            var wakeAt = oldest.map { $0 + configuration.scheduledDelaySeconds } ?? now + 3600
            if drainable { wakeAt = min(wakeAt, max(probeAt ?? notBefore, notBefore)) }
            clock.wait(for: wake, until: wakeAt)
        }
    }

    private enum Delivery { case delivered, unavailable, rejected }

    /// How a request may go out while the collector is down: when a probe is due, once at shutdown with a
    /// short limit, or not at all.
    private enum ProbeMode { case normal, final, none }

    /// The time limit of the last probe at shutdown, in seconds.
    static var finalProbeSeconds: Double { 1 }

    /// How long to wait before looking at the spool again when its segments cannot be opened now.
    static var drainRetrySeconds: Double { 1 }

    /// The time limit of one send in durable mode, in seconds.
    static var durableAttemptSeconds: Double { 1 }

    /// Durable mode: writes the batch to the spool (and the copies) before anything is sent; it is then sent
    /// from the spool, oldest first, and removed after the 2xx. False when the spool cannot take it (full):
    /// the batch then goes the ordinary way.
    private func writeAhead(_ items: [Item]) -> Bool {
        guard let spool else { return false }
        let batch = EncodedBatch(signal: signal, json: encode(items), itemCount: items.count)
        guard spool.append(batch.json) == nil else { return false }
        for copy in copies { writeCopy(batch, to: copy) }
        count { $0.spooled += batch.itemCount }
        return true
    }

    /// Sends one batch of items live: to ``deliverItems`` when set (the items as they are), else encoded to
    /// the exporter (and to the copies).
    private func sendLive(_ items: [Item], probe: ProbeMode) -> Delivery {
        let encoded = Lazy { [self] in EncodedBatch(signal: signal, json: encode(items), itemCount: items.count) }
        guard let deliverItems else {
            let batch = encoded.value
            for copy in copies { writeCopy(batch, to: copy) }
            return deliver(itemCount: items.count, inFlight: items, probe: probe, encoded: encoded) { exporter.export(batch, deadline: $0) }
        }
        return deliver(itemCount: items.count, inFlight: items, probe: probe, encoded: encoded) { deliverItems(items, $0) }
    }

    /// Sends one batch: `send` gets the deadline. What the destination cannot take now is spooled (a batch
    /// from the spool, `inFlight` nil, stays there), what it refuses for good goes to the rejected file;
    /// `encoded` is made only for those.
    private func deliver(
        itemCount: Int, inFlight items: [Item]?, probe: ProbeMode, encoded: Lazy<EncodedBatch>, send: (Double) -> ExportOutcome
    ) -> Delivery {
        let now = clock.now()
        let outcome: ExportOutcome
        let mayGo = switch probe {
        case .normal: availability.mayTry(now: now)
        case .final: availability.mayTry(now: .infinity)
        case .none: false
        }
        if mayGo {
            // Durable: the batch is on disk, so one short try is enough; the worker is back within a second to
            // write what arrived meanwhile, instead of retrying for the whole export timeout.
            let limit = probe == .final ? Self.finalProbeSeconds : durable ? Self.durableAttemptSeconds : configuration.exportTimeoutSeconds
            var deadline = now + limit
            if let shutdown = shutdownDeadline.withLock({ $0 }) { deadline = min(deadline, shutdown) }
            inFlight.withLock { $0 = items }
            let started = clock.now()
            outcome = send(deadline)
            inFlight.withLock { $0 = nil }
            metrics?.exportTook(seconds: clock.now() - started, outcome: outcome)
            switch outcome {
            case .delivered, .rejected: availability.succeeded()
            case .unavailable(let reason): availability.failed(reason: reason, now: clock.now(), spooledTo: spool?.directory)
            }
        } else {
            outcome = .unavailable("the collector is down")
        }
        let fromSpool = items == nil
        switch outcome {
        case .delivered:
            // Items the collector said it refused within a 2xx (a partial success) are kept nowhere: lost.
            let refused = min(exporter.takeRefusedInPart(), itemCount)
            count {
                $0.delivered += itemCount - refused
                $0.lost += refused
                if fromSpool { $0.drained += itemCount - refused }
            }
            return .delivered
        case .unavailable(let reason):
            if !fromSpool { keep(encoded.value, reason: reason) }
            return .unavailable
        case .rejected(let reason):
            setAside(encoded.value, reason: reason)
            return .rejected
        }
    }

    /// Writes overflow items to the spool in batches (and to the copies: each batch reaches them once, when
    /// it is formed, whichever way it then goes).
    private func spill(_ items: [Item]) {
        var start = 0
        while start < items.count {
            let end = min(items.count, start + configuration.maxExportBatchSize)
            let chunk = Array(items[start..<end])
            let batch = EncodedBatch(signal: signal, json: encode(chunk), itemCount: chunk.count)
            for copy in copies { writeCopy(batch, to: copy) }
            keep(batch, reason: "the queue was full")
            start = end
        }
    }

    /// Appends a batch to the spool, or counts it lost (and says why) when there is none or it fails.
    private func keep(_ batch: EncodedBatch, reason: String) {
        guard let spool else {
            count { $0.lost += batch.itemCount }
            report("\(label): \(batch.itemCount) \(signal.itemName) not delivered (\(reason)) and no spool is set: they are lost")
            return
        }
        if let failure = spool.append(batch.json) {
            count { $0.lost += batch.itemCount }
            if !spoolFullReported.exchange(true, ordering: .relaxed) {
                report("\(label): \(batch.itemCount) \(signal.itemName) not delivered (\(reason)) and not spooled: \(failure); they are lost (further losses are counted, not reported)")
            }
            return
        }
        count { $0.spooled += batch.itemCount }
    }

    /// Keeps a batch the destination refused for good in the rejected file, so it is neither lost silently
    /// nor sent again.
    private func setAside(_ batch: EncodedBatch, reason: String) {
        // The first refusal is said; later ones are counted (the summary says how many), not said each batch.
        let first = !refusalSaid.exchange(true, ordering: .relaxed)
        let further = first ? " (further refusals are counted, not reported)" : ""
        guard let spool else {
            count { $0.lost += batch.itemCount }
            if first { report("\(label): \(exporter.destination) refused \(batch.itemCount) \(signal.itemName) (\(reason)); they are lost\(further)") }
            return
        }
        let (kept, whereTo) = spool.setAside(batch.json)
        count { counters in
            if kept { counters.rejected += batch.itemCount } else { counters.lost += batch.itemCount }
        }
        if first || !kept { report("\(label): \(exporter.destination) refused \(batch.itemCount) \(signal.itemName) (\(reason)), \(whereTo)\(further)") }
    }

    /// Keeps a spooled line that is not an OTLP document of this signal in the rejected file, never sending it.
    private func setAside(malformed line: [UInt8], from path: String) {
        guard let spool else { return }
        let whereTo = spool.setAside(line).message
        report("\(label): a line of \(path) is not an OTLP \(signal.documentName) document; not sent, \(whereTo)")
    }

    private func writeCopy(_ batch: EncodedBatch, to copy: any BatchExporter) {
        switch copy.export(batch, deadline: clock.now() + configuration.exportTimeoutSeconds) {
        case .delivered: return
        case .unavailable(let reason), .rejected(let reason):
            let first = tally.withLock { counters -> Bool in
                defer { counters.copyFailures += batch.itemCount }
                return counters.copyFailures == 0
            }
            if first { report("\(label): \(reason); \(batch.itemCount) \(signal.itemName) not written to \(copy.destination) (further failures are counted)") }
        }
    }

    private func pastShutdownDeadline() -> Bool {
        shutdownDeadline.withLock { deadline in deadline.map { clock.now() >= $0 } ?? false }
    }
}

/// A value made once, when first asked for (an encoding needed only when a batch goes to disk).
final class Lazy<Value> {
    private let make: () -> Value
    private var made: Value?

    init(_ make: @escaping () -> Value) { self.make = make }

    var value: Value {
        if let made { return made }
        let value = make()
        made = value
        return value
    }
}

extension BatchProcessor: SpanProcessor where Item == SpanData {
    /// Queues a sampled span; one the sampler dropped (recorded for a gate) is never exported.
    public func onEnd(_ span: SpanData) { if span.flags & 1 == 1 { add(span) } }

    public func forceFlush(timeoutSeconds: Double) { _ = forceFlush(timeoutSeconds: timeoutSeconds) as Bool }
}

/// What happened to a pipeline's items so far: delivered, spooled, rejected, lost.
public struct DeliveryCounters: Sendable, Equatable {
    /// Items the destination accepted (2xx), sent live or from the spool.
    public var delivered = 0
    /// Items written to the spool by this process (they are delivered later, by this process or another).
    public var spooled = 0
    /// Of ``delivered``, items sent from the spool (spooled here or by an earlier process).
    public var drained = 0
    /// Items the destination refused for good; kept in the spool's rejected file.
    public var rejected = 0
    /// Items kept nowhere: no spool, the spool (or its rejected file) full or unwritable, a file
    /// destination that could not be written, or items added after shutdown.
    public var lost = 0
    /// Items a copy (such as a JSONL dump) could not write.
    public var copyFailures = 0

    /// Creates counters.
    public init(delivered: Int = 0, spooled: Int = 0, drained: Int = 0, rejected: Int = 0, lost: Int = 0, copyFailures: Int = 0) {
        self.delivered = delivered
        self.spooled = spooled
        self.drained = drained
        self.rejected = rejected
        self.lost = lost
        self.copyFailures = copyFailures
    }
}
