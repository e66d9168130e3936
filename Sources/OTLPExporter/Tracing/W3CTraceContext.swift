import Foundation

/// The W3C Trace Context headers: `traceparent` (`00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`) and
/// `tracestate` (vendors' `key=value` entries, carried as they are).
public enum W3CTraceContext {
    /// The `traceparent` header's name.
    public static let headerName = "traceparent"
    /// The `tracestate` header's name.
    public static let stateHeaderName = "tracestate"

    /// A `tracestate` value as W3C Trace Context allows it, its entries joined by commas without blanks; nil
    /// when it is empty or invalid (then it is dropped, as the specification says): at most 32 entries and
    /// 512 characters; keys of lowercase letters, digits and `_-*/`, optionally `tenant@system`; values of
    /// printable ASCII without `,` or `=`, at most 256 characters, not ending in a space.
    public static func validState(_ header: String) -> String? {
        var entries: [String] = []
        var keys: Set<Substring> = []
        for member in header.split(separator: ",", omittingEmptySubsequences: false) {
            let entry = member.trimmingCharacters(in: [" ", "\t"])
            if entry.isEmpty { continue }
            guard let equals = entry.firstIndex(of: "=") else { return nil }
            let key = entry[..<equals]
            let value = entry[entry.index(after: equals)...]
            // A key given twice makes the whole header invalid.
            guard validKey(key), keys.insert(key).inserted, !value.isEmpty, value.utf8.count <= 256, value.last != " ",
                value.utf8.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E && $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "=") })
            else { return nil }
            entries.append(entry)
        }
        let joined = entries.joined(separator: ",")
        // The 512 characters are counted without the blanks and empty members around the entries.
        guard !entries.isEmpty, entries.count <= 32, joined.utf8.count <= 512 else { return nil }
        return joined
    }

    /// A `tracestate` key: `[a-z][a-z0-9_-*/]{0,255}`, or `tenant@system` (a tenant may start with a digit,
    /// a system of at most 14 starts with a letter).
    static func validKey(_ key: Substring) -> Bool {
        func allowed(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || [UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "/")].contains(byte)
        }
        let parts = key.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count <= 2, let tenant = parts.first, !tenant.isEmpty, tenant.utf8.count <= (parts.count == 2 ? 241 : 256),
            tenant.utf8.allSatisfy(allowed), let first = tenant.utf8.first,
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
        else { return false }
        guard parts.count == 2 else { return (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) }
        let system = parts[1]
        guard let start = system.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(start) else { return false }
        return system.utf8.count <= 14 && system.utf8.allSatisfy(allowed)
    }

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
