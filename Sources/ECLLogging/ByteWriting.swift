import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Appending text to a line of bytes without intermediate strings.
extension Array where Element == UInt8 {
    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }

    mutating func append(ascii character: Unicode.Scalar) { append(UInt8(ascii: character)) }

    /// `value` as decimal, left-padded with zeros to `width` digits.
    mutating func append(decimal value: Int, width: Int = 0) {
        if value < 0 { append(ascii: "-") }
        let magnitude = value.magnitude
        var divisor: UInt = 1
        var count = 1
        while magnitude / divisor >= 10 {
            divisor *= 10
            count += 1
        }
        if width > count { append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - count)) }
        while divisor > 0 {
            append(UInt8(truncatingIfNeeded: 48 + (magnitude / divisor) % 10))
            divisor /= 10
        }
    }

    /// RFC 3339 UTC with microseconds: `2026-11-25T14:45:08.123456Z`.
    mutating func append(timestamp time: timespec) {
        var seconds = time_t(time.tv_sec)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        append(decimal: Int(parts.tm_year) + 1900, width: 4)
        append(ascii: "-")
        append(decimal: Int(parts.tm_mon) + 1, width: 2)
        append(ascii: "-")
        append(decimal: Int(parts.tm_mday), width: 2)
        append(ascii: "T")
        append(clock: time, parts: parts, fractionDigits: 6)
        append(ascii: "Z")
    }

    /// `HH:MM:SS.fff…` in UTC.
    mutating func append(clock time: timespec, parts: tm? = nil, fractionDigits: Int) {
        let parts = parts ?? {
            var seconds = time_t(time.tv_sec)
            var parts = tm()
            gmtime_r(&seconds, &parts)
            return parts
        }()
        append(decimal: Int(parts.tm_hour), width: 2)
        append(ascii: ":")
        append(decimal: Int(parts.tm_min), width: 2)
        append(ascii: ":")
        append(decimal: Int(parts.tm_sec), width: 2)
        append(ascii: ".")
        var fraction = Int(time.tv_nsec)
        for _ in fractionDigits..<9 { fraction /= 10 }
        append(decimal: fraction, width: fractionDigits)
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped; other text as UTF-8.
    mutating func append(jsonString text: String) {
        append(ascii: "\"")
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                start = index + 1
                switch byte {
                case UInt8(ascii: "\""): append(contentsOf: [92, 34])
                case UInt8(ascii: "\\"): append(contentsOf: [92, 92])
                case 0x0A: append(contentsOf: [92, UInt8(ascii: "n")])
                case 0x0D: append(contentsOf: [92, UInt8(ascii: "r")])
                case 0x09: append(contentsOf: [92, UInt8(ascii: "t")])
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                }
            }
            append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
        }
        append(ascii: "\"")
    }

    /// A metadata value as a typed JSON value: integers, floating-point numbers and booleans stay themselves.
    mutating func append(jsonValue value: Logger.MetadataValue) {
        switch value {
        case .string(let text): append(jsonString: text)
        case .stringConvertible(let convertible):
            switch convertible {
            case let flag as Bool: append(flag ? "true" : "false")
            case let number as Int: append(decimal: number)
            case let number as Int64: append(decimal: Int(number))
            case let number as Int32: append(decimal: Int(number))
            case let number as UInt32: append(decimal: Int(number))
            case let number as UInt64 where number <= UInt64(Int.max): append(decimal: Int(number))
            case let number as UInt where number <= UInt(Int.max): append(decimal: Int(number))
            case let number as Double where number.isFinite: append(number.description)
            case let number as Float where number.isFinite: append(number.description)
            default: append(jsonString: convertible.description)
            }
        case .array(let values):
            append(ascii: "[")
            for (index, element) in values.enumerated() {
                if index > 0 { append(ascii: ",") }
                append(jsonValue: element)
            }
            append(ascii: "]")
        case .dictionary(let members):
            append(ascii: "{")
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { append(ascii: ",") }
                append(jsonString: key)
                append(ascii: ":")
                append(jsonValue: members[key]!)
            }
            append(ascii: "}")
        }
    }

    /// A logfmt value: bare when it is a plain token, else a quoted, escaped string.
    mutating func append(logfmtValue value: Logger.MetadataValue) {
        let text: String
        switch value {
        case .string(let string): text = string
        case .stringConvertible(let convertible): text = convertible.description
        case .array, .dictionary:
            var json: [UInt8] = []
            json.append(jsonValue: value)
            text = String(decoding: json, as: UTF8.self)
        }
        let plain = !text.isEmpty && text.utf8.allSatisfy { $0 > 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "=") && $0 != UInt8(ascii: "\\") && $0 != 0x7F }
        if plain { append(text) } else { append(jsonString: text) }
    }
}
