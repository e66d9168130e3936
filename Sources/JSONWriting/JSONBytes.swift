#if canImport(Glibc)
import Glibc
#endif

/// Appending text, numbers, times and JSON strings to a byte buffer without intermediate strings:
/// the shared writer of the log formats and the OTLP/JSON encoder.
extension Array where Element == UInt8 {
    /// Appends text as UTF-8. Inlinable, like the other small writers: they are called for every piece of
    /// every line, from other modules.
    @inlinable
    public mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }

    /// Appends one ASCII character.
    @inlinable
    public mutating func append(ascii character: Unicode.Scalar) { append(UInt8(ascii: character)) }

    /// `value` as decimal, left-padded with zeros to `width` digits.
    @inlinable
    public mutating func append(decimal value: Int, width: Int = 0) {
        if value < 0 { append(ascii: "-") }
        var magnitude = value.magnitude
        // Digits from the last, into a stack buffer (dividing by a constant is a multiplication).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            repeat {
                start -= 1
                digits[start] = UInt8(truncatingIfNeeded: 48 + magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if width > 20 - start { append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - (20 - start))) }
            append(contentsOf: UnsafeBufferPointer(rebasing: digits[start..<20]))
        }
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped (C0, DEL, and what
    /// ``VisibleText`` escapes above ASCII, so that the line is safe on a terminal too); other text as UTF-8.
    public mutating func append(jsonString text: String) {
        append(ascii: "\"")
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            // Most text has nothing to escape: skip to the first byte that might, eight at a time.
            var index = ByteScan.firstCandidate(bytes, quotes: true)
            while index < bytes.count {
                let byte = bytes[index]
                defer { index += 1 }
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == 0x7F || byte >= 0xC2 else { continue }
                if byte >= 0xC2 {
                    // C1 controls, separators, bidirectional controls, the byte-order mark: see VisibleText.
                    guard let (value, length) = VisibleText.escapedSequenceLength(bytes, at: index) else { continue }
                    append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                    append(unicodeEscape: value)
                    index += length - 1
                    start = index + 1
                    continue
                }
                append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                start = index + 1
                switch byte {
                case UInt8(ascii: "\""): append(contentsOf: [92, 34])
                case UInt8(ascii: "\\"): append(contentsOf: [92, 92])
                case 0x0A: append(contentsOf: [92, UInt8(ascii: "n")])
                case 0x0D: append(contentsOf: [92, UInt8(ascii: "r")])
                case 0x09: append(contentsOf: [92, UInt8(ascii: "t")])
                default: append(unicodeEscape: UInt32(byte))
                }
            }
            append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
        }
        append(ascii: "\"")
    }

}

/// Finding, a machine word at a time, the first byte of a text that may need escaping.
enum ByteScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Whether some byte of `word` is zero.
    @inline(__always)
    private static func hasZero(_ word: UInt64) -> Bool { (word &- ones) & ~word & highs != 0 }

    /// The index of the first byte that is a control character (below 0x20, or DEL), above ASCII, or (with
    /// `quotes`) a quote or a backslash; `bytes.count` when there is none. Bytes above ASCII are candidates only:
    /// the caller decides whether their sequence is escaped.
    @inline(__always)
    static func firstCandidate(_ bytes: UnsafeBufferPointer<UInt8>, quotes: Bool) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var index = 0
        while index + 8 <= bytes.count {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            let aboveASCII = word & highs != 0
            let control = (word &- 0x20 &* ones) & ~word & highs != 0
            let special = hasZero(word ^ (0x7F &* ones)) || (quotes && (hasZero(word ^ (0x22 &* ones)) || hasZero(word ^ (0x5C &* ones))))
            if aboveASCII || control || special { break }
            index += 8
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x20 || byte >= 0x7F || (quotes && (byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\"))) { return index }
            index += 1
        }
        return index
    }
}

/// Lowercase hex digits, for escapes.
let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
