import Logging

/// A field's value as a typed scalar: the one conversion every output (JSON, logfmt, OTLP, SQL) makes.
public enum FieldScalar: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
}

extension Logger.MetadataValue {
    /// The value as a typed scalar; nil for arrays and dictionaries.
    ///
    /// Integers of any width become `.int` when they fit in 64 signed bits (a larger `UInt64` is its decimal
    /// text); `Double` and `Float` become `.double` (a `Float` as the decimal it prints as, so 0.1 stays 0.1;
    /// the writers spell NaN and infinities as their formats allow); `Bool` stays itself; anything else is its
    /// description.
    public var scalar: FieldScalar? {
        switch self {
        case .string(let text): return .string(text)
        case .stringConvertible(let convertible):
            // The common types by their metatype first: comparing two pointers, where each failed `as?` cast
            // is a runtime search.
            let type = ObjectIdentifier(Swift.type(of: convertible))
            if type == ObjectIdentifier(Int.self), let number = convertible as? Int { return .int(Int64(number)) }
            if type == ObjectIdentifier(Double.self), let number = convertible as? Double { return .double(number) }
            if type == ObjectIdentifier(Bool.self), let flag = convertible as? Bool { return .bool(flag) }
            switch convertible {
            case let number as Int64: return .int(number)
            case let number as UInt64: return number <= UInt64(Int64.max) ? .int(Int64(number)) : .string(number.description)
            case let number as UInt: return number <= UInt(Int64.max) ? .int(Int64(number)) : .string(number.description)
            case let number as Int32: return .int(Int64(number))
            case let number as UInt32: return .int(Int64(number))
            case let number as Int16: return .int(Int64(number))
            case let number as UInt16: return .int(Int64(number))
            case let number as Int8: return .int(Int64(number))
            case let number as UInt8: return .int(Int64(number))
            case let number as Float: return .double(number.isFinite ? Double(number.description) ?? Double(number) : Double(number))
            default: return .string(convertible.description)
            }
        case .array, .dictionary: return nil
        }
    }

    /// The value as text: a string as it is, a number or flag as written in JSON, arrays and dictionaries as
    /// JSON.
    public var text: String {
        switch scalar {
        case .string(let text)?: return text
        case .int(let number)?: return String(number)
        case .double(let number)?: return number.description
        case .bool(let flag)?: return flag ? "true" : "false"
        case nil:
            var json: [UInt8] = []
            json.append(jsonValue: self)
            return String(decoding: json, as: UTF8.self)
        }
    }
}
