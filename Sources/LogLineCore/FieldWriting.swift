import JSONWriting
import Logging

/// Field values written into a line of bytes: as JSON and as logfmt, both through ``Logger/MetadataValue/scalar``.
extension Array where Element == UInt8 {
    /// A value as a typed JSON value: integers, finite numbers and flags stay themselves, arrays are arrays,
    /// dictionaries objects with their keys in order.
    public mutating func append(jsonValue value: Logger.MetadataValue) {
        switch value {
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
        case .string(let text):
            append(jsonString: text)
        case .stringConvertible:
            switch value.scalar! {
            case .string(let text): append(jsonString: text)
            case .int(let number): append(decimal: Int(number))
            case .double(let number) where number.isFinite: append(number.description)
            case .double(let number): append(jsonString: number.description)  // JSON has no NaN or infinity
            case .bool(let flag): append(flag ? "true" : "false")
            }
        }
    }

    /// A logfmt value: bare when it is a plain token, else a quoted, escaped string.
    public mutating func append(logfmtValue value: Logger.MetadataValue) {
        switch value.scalar {
        case .int(let number)?: append(decimal: Int(number))
        case .bool(let flag)?: append(flag ? "true" : "false")
        case .double(let number)?: append(number.description)
        case .string(let text)?: append(logfmtText: text)
        case nil: append(logfmtText: value.text)
        }
    }

    /// A field's name in a `key=value` line: bare when it is a plain token, else quoted like a value, so that no
    /// name can split a pair or fake one (`a b`, `x=y`, a quote, a control character, the empty name).
    mutating func append(logfmtKey key: String) { append(logfmtText: key) }

    /// Text as a logfmt value: bare when it is a plain token (no space, quote, `=`, backslash or control
    /// character), else a quoted JSON string.
    mutating func append(logfmtText text: String) {
        var plain = !text.isEmpty
        if plain {
            for byte in text.utf8 where byte <= 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "\\") || byte == 0x7F {
                plain = false
                break
            }
        }
        if plain, !VisibleText.needsEscaping(text) { append(text) } else { append(jsonString: text) }
    }
}
