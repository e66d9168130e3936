import ECLCore
import Foundation
import LogLineCore
@_spi(Pipeline) import OTLPExporter
import Synchronization

/// Writes log events to a ``LogEventStore`` off the caller's path, through the same spilling worker as the
/// OTLP exporter (``BatchProcessor``): batches of `bufferSize` events, every second, and at shutdown.
///
/// Nothing is dropped. What the queue cannot hold, and what the database cannot take now (down, locked,
/// unreachable), goes to the spool as OTLP `LogsData` lines (segments named `sql-logs-…`, apart from the
/// collector's); the database is then probed with backoff, and the spool is written to it, oldest first, as
/// soon as it answers: during the run, at shutdown, or at the next start that uses the same spool
/// (`ecl-workflows replay SPOOL --log-sql URL` does the same by hand). Rows carry a stable identity, so a
/// batch written twice (after a crash) is stored once. In synchronous mode each event is written at once, in
/// the caller, and one the database refuses goes to the spool.
public final class SQLLogWriter: LogLineOutput {
    /// What the queue holds: events, or lines captured by the handler and turned into events when written.
    enum Pending: Sendable {
        case event(StoredLogLine)
        case line(LogLine)

        var event: StoredLogLine {
            switch self {
            case .event(let event): event
            case .line(let line): StoredLogLine(line)
            }
        }
    }

    /// The spool prefix of the events waiting for the database.
    public static let spoolPrefix = "sql-logs"

    private let store: any LogEventStore
    private let spool: Spool?
    private let encode: @Sendable ([StoredLogLine]) -> [UInt8]
    private let processor: BatchProcessor<Pending>?
    private let report: @Sendable (String) -> Void
    private let writtenNow = Atomic<Int>(0)
    private let lostNow = Atomic<Int>(0)

    /// Creates a writer; in asynchronous mode it starts its worker. Events wait in `spool` (its `sql-logs`
    /// segments) when the database cannot take them, encoded by `encode` as OTLP `LogsData`.
    @_spi(Pipeline) public init(
        store: any LogEventStore, bufferSize: Int, synchronous: Bool, spool: Spool? = nil,
        encode: @escaping @Sendable ([StoredLogLine]) -> [UInt8] = { _ in [] }, report: @escaping @Sendable (String) -> Void
    ) {
        self.store = store
        self.spool = spool
        self.encode = encode
        self.report = report
        guard !synchronous else {
            processor = nil
            return
        }
        let size = max(1, bufferSize)
        processor = BatchProcessor<Pending>(
            signal: .logs,
            configuration: BatchConfiguration(maxQueueSize: max(2 * size, 2048), maxExportBatchSize: size, scheduledDelaySeconds: 1),
            encode: { encode($0.map(\.event)) },
            deliverItems: { items, _ in Self.insert(items.map(\.event), into: store) },
            exporter: SpooledEventsExporter(store: store), spool: spool,
            availability: CollectorAvailability(name: "the log database \(store.location)", report: { report("SQL log exporter: \($0)") }),
            label: "SQL log exporter", report: report)
    }

    /// Events written so far.
    public var writtenCount: Int { (processor?.counters.delivered ?? 0) + writtenNow.load(ordering: .relaxed) }

    /// Events kept nowhere: refused by the database with no spool (or a spool that failed) to keep them.
    public var lostCount: Int { (processor?.counters.lost ?? 0) + lostNow.load(ordering: .relaxed) }

    /// Takes an event.
    public func add(_ event: StoredLogLine) { add(.event(event)) }

    /// Takes a captured line; it becomes a row (its fields as JSON) on the writer's thread, off the caller's path.
    public func write(_ line: LogLine) { add(.line(line)) }

    private func add(_ pending: Pending) {
        guard let processor else {
            writeNow(pending.event)
            return
        }
        processor.add(pending)
    }

    /// Writes what is queued (and what the spool holds, while the database answers) within
    /// `timeoutSeconds`, then closes the database connection. What it cannot take stays in the spool.
    public func shutdown(timeoutSeconds: Double = 10) {
        // A worker stuck on the database (a lock held elsewhere) keeps it: closing would wait behind it.
        guard processor?.shutdown(timeoutSeconds: timeoutSeconds) ?? true else { return }
        store.close()
    }

    /// Spools what is queued without touching the database, for a process that must exit now.
    public func spoolNow() { processor?.spoolNow() }

    /// Synchronous mode: one event, in the caller; one the database refuses goes to the spool.
    private func writeNow(_ event: StoredLogLine) {
        switch Self.insert([event], into: store) {
        case .delivered:
            writtenNow.add(1, ordering: .relaxed)
        case .unavailable(let reason), .rejected(let reason):
            guard let spool else {
                lostNow.add(1, ordering: .relaxed)
                report("SQL log exporter: an event was not written (\(reason)) and no spool is set: it is lost")
                return
            }
            if let failure = spool.append(encode([event])) {
                lostNow.add(1, ordering: .relaxed)
                report("SQL log exporter: an event was not written (\(reason)) and \(spool.directory) failed: \(failure)")
            }
        }
    }

    /// Inserts events; a database that cannot take them now is ``ExportOutcome/unavailable(_:)`` (they wait
    /// in the spool and are written when it answers again).
    static func insert(_ events: [StoredLogLine], into store: any LogEventStore) -> ExportOutcome {
        do throws(ECLError) {
            try store.insert(events)
            return .delivered
        } catch {
            return .unavailable(error.plainMessage)
        }
    }
}

/// Writes spooled `LogsData` lines (read back from the `sql-logs` segments, or any OTLP logs line) to the
/// database: the drain of the SQL log exporter's spool.
@_spi(Pipeline) public struct SpooledEventsExporter: BatchExporter {
    /// The database.
    public let store: any LogEventStore

    /// Creates the exporter.
    public init(store: any LogEventStore) { self.store = store }

    public var destination: String { store.location }

    public func export(_ batch: EncodedBatch, deadline: Double) -> ExportOutcome {
        guard let events = StoredLogLineOTLP.events(fromLogsData: batch.json) else { return .rejected("not an OTLP LogsData line") }
        return SQLLogWriter.insert(events, into: store)
    }
}
