/// A 16-byte trace id; never all zero. Written as 32 lowercase hex digits.
public struct TraceID: Hashable, Sendable, CustomStringConvertible {
    /// The bytes, most significant first.
    public let high: UInt64
    public let low: UInt64

    /// Creates an id from its two halves; nil when both are zero (an invalid id).
    public init?(high: UInt64, low: UInt64) {
        guard high != 0 || low != 0 else { return nil }
        self.high = high
        self.low = low
    }

    /// Creates an id from 16 bytes; nil for another count or all zeros.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        let array = Array(bytes)
        self.init(high: UInt64(bigEndianBytes: array[0..<8]), low: UInt64(bigEndianBytes: array[8..<16]))
    }

    /// Parses 32 hex digits (either case); nil for anything else or all zeros.
    public init?(hex: some StringProtocol) {
        guard hex.utf8.count == 32, let high = UInt64(hex.prefix(16), radix: 16), let low = UInt64(hex.suffix(16), radix: 16) else {
            return nil
        }
        self.init(high: high, low: low)
    }

    /// A random id: 128 bits from the system's random source (one call a trace; W3C Trace Context asks trace
    /// ids to be random and globally unique).
    public static func random() -> TraceID {
        var generator = SystemRandomNumberGenerator()
        while true {
            if let id = TraceID(high: generator.next(), low: generator.next()) { return id }
        }
    }

    /// The 16 bytes.
    public var bytes: [UInt8] { high.bigEndianBytes + low.bigEndianBytes }

    /// 32 lowercase hex digits.
    public var description: String { HexDigits.string(high) + HexDigits.string(low) }
}

/// An 8-byte span id; never zero. Written as 16 lowercase hex digits.
public struct SpanID: Hashable, Sendable, CustomStringConvertible {
    /// The id as a number (big-endian bytes).
    public let value: UInt64

    /// Creates an id; nil for zero (an invalid id).
    public init?(_ value: UInt64) {
        guard value != 0 else { return nil }
        self.value = value
    }

    /// Parses 16 hex digits; nil for anything else or zero.
    public init?(hex: some StringProtocol) {
        guard hex.utf8.count == 16, let value = UInt64(hex, radix: 16) else { return nil }
        self.init(value)
    }

    /// A random id (from a per-thread SplitMix64 generator seeded by the system, reseeded after `fork`).
    public static func random() -> SpanID {
        while true {
            if let id = SpanID(IDGenerator.next()) { return id }
        }
    }

    /// The 8 bytes.
    public var bytes: [UInt8] { value.bigEndianBytes }

    /// 16 lowercase hex digits.
    public var description: String { HexDigits.string(value) }
}

/// A span's identity: its trace, itself, its parent, and whether it is sampled.
public struct SpanContextData: Hashable, Sendable {
    /// The trace.
    public var traceID: TraceID
    /// The span.
    public var spanID: SpanID
    /// The parent span, if any.
    public var parentSpanID: SpanID?
    /// The W3C trace flags (bit 0: sampled).
    public var traceFlags: UInt8
    /// True when the span came from another process (extracted from a `traceparent` header).
    public var isRemote: Bool
    /// The W3C `tracestate` (vendors' entries, such as `congo=t61rcWkgMzE`), carried from the parent to its
    /// children and out with `traceparent`; nil when there is none.
    public var traceState: String?

    /// Creates a span context.
    public init(
        traceID: TraceID, spanID: SpanID, parentSpanID: SpanID? = nil, traceFlags: UInt8 = 1, isRemote: Bool = false,
        traceState: String? = nil
    ) {
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.traceFlags = traceFlags
        self.isRemote = isRemote
        self.traceState = traceState
    }
}

enum HexDigits {
    static let digits = Array("0123456789abcdef".utf8)
    static let upper = Array("0123456789ABCDEF".utf8)

    static func string(_ value: UInt64) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        var remaining = value
        for index in stride(from: 15, through: 0, by: -1) {
            bytes[index] = digits[Int(remaining & 0xF)]
            remaining >>= 4
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the 16 digits at once.
    static func append(_ value: UInt64, to buffer: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { text in
            for index in 0..<16 {
                let nibble = UInt8(truncatingIfNeeded: value >> UInt64(60 - 4 * index)) & 0xF
                text[index] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
            }
            buffer.append(contentsOf: UnsafeBufferPointer(text))
        }
    }
}

extension UInt64 {
    init(bigEndianBytes bytes: ArraySlice<UInt8>) {
        var value: UInt64 = 0
        for byte in bytes { value = value << 8 | UInt64(byte) }
        self = value
    }

    var bigEndianBytes: [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: self >> UInt64(56 - 8 * $0)) } }
}
