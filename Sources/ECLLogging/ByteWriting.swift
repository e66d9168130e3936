import Logging

import JSONWriting

/// Metadata values written into a line of bytes.
extension Array where Element == UInt8 {
    /// A metadata value as a typed JSON value: integers, floating-point numbers and booleans stay themselves.
    public mutating func append(jsonValue value: Logger.MetadataValue) {
        switch value {
        case .string(let text): append(jsonString: text)
        case .stringConvertible(let convertible):
            switch convertible {
            case let number as Int: append(decimal: number)
            case let number as Double where number.isFinite: append(number.description)
            case let flag as Bool: append(flag ? "true" : "false")
            case let number as Int64: append(decimal: Int(number))
            case let number as Int32: append(decimal: Int(number))
            case let number as UInt32: append(decimal: Int(number))
            case let number as UInt64 where number <= UInt64(Int.max): append(decimal: Int(number))
            case let number as UInt where number <= UInt(Int.max): append(decimal: Int(number))
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
        if plain, !VisibleText.needsEscaping(text) { append(text) } else { append(jsonString: text) }
    }
}
