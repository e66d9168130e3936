import Foundation

/// Which OTLP signal a batch carries.
public enum OTLPSignal: String, Sendable, CaseIterable {
    case traces, logs, metrics

    /// What its items are called in messages.
    public var itemName: String {
        switch self {
        case .traces: "spans"
        case .logs: "log records"
        case .metrics: "metric data points"
        }
    }

    /// Its document's message: `TracesData`, `LogsData` or `MetricsData`.
    public var documentName: String {
        switch self {
        case .traces: "TracesData"
        case .logs: "LogsData"
        case .metrics: "MetricsData"
        }
    }

    /// The key its documents start with (`{"resourceSpans"`…).
    var documentStart: String {
        switch self {
        case .traces: #"{"resourceSpans""#
        case .logs: #"{"resourceLogs""#
        case .metrics: #"{"resourceMetrics""#
        }
    }

    /// The key each of its items has once, as this package writes them: a span's `startTimeUnixNano`, a log
    /// record's `observedTimeUnixNano`, a data point's `timeUnixNano`.
    var itemKey: String {
        switch self {
        case .traces: #""startTimeUnixNano""#
        case .logs: #""observedTimeUnixNano""#
        case .metrics: #""timeUnixNano""#
        }
    }

    /// The collector's count of refused items in a partial success (`rejectedSpans`…).
    var rejectedKey: String {
        switch self {
        case .traces: "rejectedSpans"
        case .logs: "rejectedLogRecords"
        case .metrics: "rejectedDataPoints"
        }
    }

    /// Its path under a collector's base URL.
    public var path: String { "v1/" + rawValue }
}

/// One encoded batch: a `TracesData` or `LogsData` JSON document and how many items it holds.
@_spi(Pipeline) public struct EncodedBatch: Sendable {
    /// The signal.
    public var signal: OTLPSignal
    /// The JSON document (one line, no newline).
    public var json: [UInt8]
    /// Items in it.
    public var itemCount: Int

    /// Creates a batch.
    public init(signal: OTLPSignal, json: [UInt8], itemCount: Int) {
        self.signal = signal
        self.json = json
        self.itemCount = itemCount
    }

    /// A batch read back from a spool, its items counted without parsing it: each span has one
    /// `startTimeUnixNano`, each log record one `observedTimeUnixNano`, each data point one `timeUnixNano`
    /// (as this package writes them).
    public init(spooled json: [UInt8], signal: OTLPSignal) {
        let key = Array(signal.itemKey.utf8)
        var count = 0
        json.withUnsafeBufferPointer { bytes in
            guard bytes.count >= key.count else { return }
            var index = 0
            let last = bytes.count - key.count
            while index <= last {
                if bytes[index] == key[0], bytes[index + 1] == key[1], (2..<key.count).allSatisfy({ bytes[index + $0] == key[$0] }) {
                    count += 1
                    index += key.count
                } else {
                    index += 1
                }
            }
        }
        self.init(signal: signal, json: json, itemCount: count)
    }
}

/// What became of a batch.
@_spi(Pipeline) public enum ExportOutcome: Sendable, Equatable {
    /// The destination has it.
    case delivered
    /// The destination cannot be reached now (connection refused, host unknown, retries spent on 429/5xx or
    /// time-outs): the batch is spooled and sent again later. The reason says why.
    case unavailable(String)
    /// The destination refused the batch for good (a 4xx other than 429, a write that failed): sending it
    /// again would not help. The reason says why.
    case rejected(String)
}

/// A destination for encoded batches: an OTLP/HTTP collector or a JSONL file.
@_spi(Pipeline) public protocol BatchExporter: Sendable {
    /// Sends one batch, giving up by `deadline` (seconds on ``OTLPClock/now()``).
    func export(_ batch: EncodedBatch, deadline: Double) -> ExportOutcome
    /// A short name for messages, such as the URL or path.
    var destination: String { get }
    /// Whether it writes to a local file (no network): a process that must exit now still writes to it.
    var isLocal: Bool { get }
    /// Items of batches it delivered that the destination said it refused (an OTLP partial success) since
    /// the last call; they are kept nowhere.
    func takeRefusedInPart() -> Int
}

extension BatchExporter {
    /// Exporters send over the network unless they say otherwise.
    public var isLocal: Bool { false }
    /// Destinations take a delivered batch whole unless they say otherwise.
    public func takeRefusedInPart() -> Int { 0 }
}

/// The time source of exporters and processors: monotonic seconds, blocking sleeps and timed waits,
/// injectable so that tests advance time instead of waiting for it.
@_spi(Pipeline) public protocol OTLPClock: Sendable {
    /// Monotonic seconds.
    func now() -> Double
    /// Blocks the calling (exporter) thread.
    func sleep(seconds: Double)
    /// Wall-clock seconds since the epoch (for HTTP dates in Retry-After).
    func wallNow() -> Double
    /// Blocks until `signal` is signalled or this clock reaches `deadline` (a processor's worker waiting
    /// for work, for its scheduled delay, or for the next probe).
    func wait(for signal: WakeSignal, until deadline: Double)
}

extension OTLPClock {
    /// Waits in real time, at most a second at a time (the caller looks again when it wakes).
    public func wait(for signal: WakeSignal, until deadline: Double) {
        signal.wait(seconds: min(max(deadline - now(), 0.001), 1))
    }
}

/// A wake-up for a thread that waits: it remembers a signal sent while no one waited, so none is lost.
@_spi(Pipeline) public final class WakeSignal: @unchecked Sendable {
    // Safe: NSCondition is a lock; `signalled` is read and written only while it is held.
    private let condition = NSCondition()
    private var signalled = false

    /// Creates an unsignalled wake-up.
    public init() {}

    /// Wakes one waiter, or the next one to wait.
    public func signal() {
        condition.lock()
        signalled = true
        condition.signal()
        condition.unlock()
    }

    /// Wakes every waiter.
    public func broadcast() {
        condition.lock()
        signalled = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for a signal (or one sent since the last wait) for at most `seconds` of real time; true when
    /// it was signalled.
    @discardableResult
    public func wait(seconds: Double) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if !signalled { _ = condition.wait(until: Date(timeIntervalSinceNow: seconds)) }
        let woken = signalled
        signalled = false
        return woken
    }
}

/// The real clock.
@_spi(Pipeline) public struct SystemOTLPClock: OTLPClock {
    private static let origin = ContinuousClock.now

    /// Creates the clock.
    public init() {}

    public func now() -> Double {
        let elapsed = Self.origin.duration(to: .now)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    public func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        Thread.sleep(forTimeInterval: seconds)
    }

    public func wallNow() -> Double { Date().timeIntervalSince1970 }
}
