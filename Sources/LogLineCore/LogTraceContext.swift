/// The span a line was logged in: its trace id, span id and W3C trace flags.
public struct LogTraceContext: Sendable, Equatable {
    /// The trace id's first 8 bytes, big-endian.
    public var traceIDHigh: UInt64
    /// The trace id's last 8 bytes.
    public var traceIDLow: UInt64
    /// The span id.
    public var spanID: UInt64
    /// The W3C trace flags (1: sampled).
    public var flags: UInt8

    /// Creates a context.
    public init(traceIDHigh: UInt64, traceIDLow: UInt64, spanID: UInt64, flags: UInt8 = 1) {
        self.traceIDHigh = traceIDHigh
        self.traceIDLow = traceIDLow
        self.spanID = spanID
        self.flags = flags
    }
}
