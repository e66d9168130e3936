import ECLCore
import Foundation
import OTLPExporter
import Synchronization

/// Writes log events to a ``LogEventStore`` in batches, off the caller's path: a bounded buffer flushed when
/// it holds `bufferSize` events, every second, and at shutdown. In synchronous mode each event is written at
/// once. A slow database never blocks the caller: a full buffer is set aside whole for the writer (up to 16 of
/// them); past that, new events are counted as dropped and reported.
public final class SQLLogWriter: Sendable {
    /// What the buffer holds: events, or lines captured by the handler and turned into events when written.
    private enum Pending: Sendable {
        case event(LogEvent)
        case line(CapturedLogLine)

        var event: LogEvent {
            switch self {
            case .event(let event): event
            case .line(let line): line.event()
            }
        }
    }

    private struct State {
        var buffer: [Pending] = []
        var spills: [[Pending]] = []
        var dropped = 0
        var stopping = false
        var stopped = false
    }

    private let store: any LogEventStore
    private let fallback: (any OTLPLineStore)?
    private let encode: @Sendable ([LogEvent]) -> [UInt8]
    private let bufferSize: Int
    private let synchronous: Bool
    private let report: @Sendable (String) -> Void
    private let state = Mutex(State())
    private let wake = NSCondition()
    private let written = Atomic<Int>(0)
    private let lost = Atomic<Int>(0)

    /// Creates a writer; in asynchronous mode it starts its thread. Events the database refuses go to
    /// `fallback` (the logs spool) as OTLP `LogsData` lines (encoded by `encode`), which `ecl-workflows replay --log-sql` loads later.
    public init(
        store: any LogEventStore, bufferSize: Int, synchronous: Bool, fallback: (any OTLPLineStore)? = nil,
        encode: @escaping @Sendable ([LogEvent]) -> [UInt8] = { _ in [] }, report: @escaping @Sendable (String) -> Void
    ) {
        self.store = store
        self.fallback = fallback
        self.encode = encode
        self.bufferSize = max(1, bufferSize)
        self.synchronous = synchronous
        self.report = report
        guard !synchronous else { return }
        let thread = Thread { [self] in run() }
        thread.name = "ecl-log-sql"
        thread.start()
    }

    /// Events written so far.
    public var writtenCount: Int { written.load(ordering: .relaxed) }

    /// Events kept nowhere: dropped because the database could not keep up, or refused by it with no spool
    /// (or a spool that failed) to keep them.
    public var lostCount: Int { lost.load(ordering: .relaxed) }

    /// Takes an event.
    public func add(_ event: LogEvent) { add(.event(event)) }

    /// Takes a line captured by ``SQLLogHandler``; it becomes an event on the writer's thread.
    public func add(line: CapturedLogLine) { add(.line(line)) }

    private func add(_ event: Pending) {
        if synchronous {
            write([event.event])
            return
        }
        let full: Bool = state.withLock { state in
            guard !state.stopping else {
                state.dropped += 1
                return false
            }
            if state.buffer.count >= bufferSize {
                guard state.spills.count < 16 else {
                    state.dropped += 1
                    return true
                }
                state.spills.append(state.buffer)
                state.buffer = []
                state.buffer.reserveCapacity(bufferSize)
            }
            state.buffer.append(event)
            return state.buffer.count >= bufferSize
        }
        if full { signal() }
    }

    /// Writes what is buffered and stops the thread; waits at most `timeoutSeconds`.
    /// Closes the database connection, if any, once the last batch is written.
    public func shutdown(timeoutSeconds: Double = 10) {
        guard !synchronous else {
            store.close()
            return
        }
        state.withLock { $0.stopping = true }
        signal()
        let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
        wake.lock()
        while !state.withLock({ $0.stopped }), Date() < deadline { _ = wake.wait(until: min(deadline, Date(timeIntervalSinceNow: 0.05))) }
        wake.unlock()
    }

    private func signal() {
        wake.lock()
        wake.broadcast()
        wake.unlock()
    }

    private func run() {
        while true {
            wake.lock()
            if state.withLock({ $0.spills.isEmpty && $0.buffer.count < bufferSize && !$0.stopping }) {
                _ = wake.wait(until: Date(timeIntervalSinceNow: 1))
            }
            wake.unlock()
            let (batches, dropped, stopping) = state.withLock { state -> ([[Pending]], Int, Bool) in
                defer {
                    state.spills = []
                    state.buffer.removeAll(keepingCapacity: true)
                    state.dropped = 0
                }
                return (state.spills + [state.buffer], state.dropped, state.stopping)
            }
            if dropped > 0 {
                lost.add(dropped, ordering: .relaxed)
                report("SQL log exporter: dropped \(dropped) events: the database could not keep up")
            }
            for batch in batches where !batch.isEmpty { write(batch.map(\.event)) }
            if stopping {
                store.close()
                state.withLock { $0.stopped = true }
                signal()
                return
            }
        }
    }

    private func write(_ events: [LogEvent]) {
        do throws(ECLError) {
            try store.insert(events)
            written.add(events.count, ordering: .relaxed)
        } catch {
            guard let fallback else {
                lost.add(events.count, ordering: .relaxed)
                report("SQL log exporter: \(events.count) events not written (\(error)) and no spool is set: they are lost")
                return
            }
            if let failure = fallback.append(encode(events)) {
                lost.add(events.count, ordering: .relaxed)
                report("SQL log exporter: \(events.count) events not written (\(error)) and \(fallback.location) failed: \(failure)")
            } else {
                report("SQL log exporter: \(events.count) events not written (\(error)); written to \(fallback.location)")
            }
        }
    }
}
