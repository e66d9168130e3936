import Foundation

/// Which OTLP signal a batch carries.
public enum OTLPSignal: String, Sendable {
    case traces, logs

    /// What its items are called in messages.
    public var itemName: String { self == .traces ? "spans" : "log records" }
}

/// One encoded batch: a `TracesData` or `LogsData` JSON document and how many items it holds.
public struct EncodedBatch: Sendable {
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
}

/// What became of a batch.
public enum ExportOutcome: Sendable, Equatable {
    /// The destination has it.
    case delivered
    /// It did not get there; the reason says why (the batch goes to the fallback file).
    case failed(String)
}

/// A destination for encoded batches: an OTLP/HTTP collector or a JSONL file.
public protocol BatchExporter: Sendable {
    /// Sends one batch, giving up by `deadline` (seconds on ``OTLPClock/now()``).
    func export(_ batch: EncodedBatch, deadline: Double) -> ExportOutcome
    /// A short name for messages, such as the URL or path.
    var destination: String { get }
}

/// The time source of exporters and processors: monotonic seconds and blocking sleeps, injectable in tests.
public protocol OTLPClock: Sendable {
    /// Monotonic seconds.
    func now() -> Double
    /// Blocks the calling (exporter) thread.
    func sleep(seconds: Double)
    /// Wall-clock seconds since the epoch (for HTTP dates in Retry-After).
    func wallNow() -> Double
}

/// The real clock.
public struct SystemOTLPClock: OTLPClock {
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
