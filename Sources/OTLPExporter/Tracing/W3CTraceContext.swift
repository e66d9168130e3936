/// The W3C Trace Context `traceparent` header: `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`.
public enum W3CTraceContext {
    /// The header's name.
    public static let headerName = "traceparent"

    /// Parses a `traceparent` value; nil when it is malformed, has a zero id, or uses version ff.
    public static func parse(_ header: String) -> SpanContextData? {
        let parts = header.trimmingSpaces().split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0].utf8.count == 2, parts[0] != "ff", UInt8(parts[0], radix: 16) != nil,
            parts[0] != "00" || parts.count == 4,
            let traceID = TraceID(hex: parts[1].lowercased()), let spanID = SpanID(hex: parts[2].lowercased()),
            parts[3].utf8.count == 2, let flags = UInt8(parts[3], radix: 16),
            parts[1].allSatisfy(\.isHexDigit), parts[2].allSatisfy(\.isHexDigit)
        else { return nil }
        return SpanContextData(traceID: traceID, spanID: spanID, traceFlags: flags, isRemote: true)
    }

    /// The `traceparent` value for a span.
    public static func header(traceID: TraceID, spanID: SpanID, flags: UInt8) -> String {
        let hex = HexDigits.digits
        let flagText = String(decoding: [hex[Int(flags >> 4)], hex[Int(flags & 0xF)]], as: UTF8.self)
        return "00-\(traceID)-\(spanID)-\(flagText)"
    }
}
